// Package screens holds the TUI's screens: destinations, groups, lag and backlog, the message browser and
// a message's details, the publish, redrive and reset forms and plans. Each is one model that says what
// it loads and draws what it gets, built from the pieces in ui/components; the shell in package ui does
// the loading, the stacking and the keys they share.
package screens

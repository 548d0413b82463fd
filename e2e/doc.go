// Package e2e holds the whole-program tests: mqscope run in-process with the real parts (package app) or
// as a compiled binary, against real brokers. It has no code of its own beyond its tests.
package e2e

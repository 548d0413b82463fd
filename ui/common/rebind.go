package common

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/config"
)

// action is a binding as the config file's keys mapping names it, and the scopes where it is live.
type action struct {
	name    string
	binding *key.Binding
	scopes  []string // "" is every scope: the shell's keys work in every view
}

// Scopes, each a set of bindings live at the same time, where one key can do only one thing.
const (
	scopeAll          = ""
	scopeList         = "list"         // groups, lag and partitions lists: enter opens
	scopeDestinations = "destinations" // topics and queues: enter browses, d details
	scopeMessages     = "messages"     // the message browser
	scopeMessage      = "message"      // one message's detail
	scopeConfirm      = "confirm"      // confirmation dialogs
)

// actions lists every rebindable binding of k by its name in the config file, in help order.
func (k *KeyMap) actions() []action {
	nav := []string{scopeList, scopeDestinations, scopeMessages, scopeMessage, scopeConfirm}
	lists := []string{scopeList, scopeDestinations}
	return []action{
		{"command", &k.Command, []string{scopeAll}},
		{"filter", &k.Filter, []string{scopeAll}},
		{"back", &k.Back, []string{scopeAll}},
		{"refresh", &k.Refresh, []string{scopeAll}},
		{"help", &k.Help, []string{scopeAll}},
		{"quit", &k.Quit, []string{scopeAll}},
		{"up", &k.Up, nav},
		{"down", &k.Down, nav},
		{"page-up", &k.PageUp, nav},
		{"page-down", &k.PageDown, nav},
		{"top", &k.Top, nav},
		{"bottom", &k.Bottom, nav},
		// Open is not in the destinations' scope: there enter browses what can be browsed and opens the
		// rest, by design.
		{"open", &k.Open, []string{scopeList, scopeMessages}},
		{"sort", &k.Sort, lists},
		{"sort-reverse", &k.SortReverse, lists},
		{"exact-lag", &k.ExactLag, []string{scopeList}},
		{"reset-offsets", &k.ResetOffsets, []string{scopeList}},
		{"pending", &k.Pending, []string{scopeList}},
		{"purge", &k.Purge, lists},
		{"delete", &k.Delete, lists},
		{"create", &k.Create, []string{scopeDestinations}},
		{"edit-config", &k.EditConfig, []string{scopeDestinations}},
		{"confirm", &k.Confirm, []string{scopeConfirm, scopeMessages}},
		{"browse", &k.Browse, []string{scopeDestinations}},
		{"details", &k.Details, []string{scopeList, scopeDestinations, scopeMessages}},
		{"follow", &k.Follow, []string{scopeMessages}},
		{"start-at", &k.StartAt, []string{scopeMessages}},
		{"go-to", &k.GoTo, []string{scopeMessages}},
		{"where", &k.Where, []string{scopeMessages}},
		{"body-view", &k.BodyView, []string{scopeMessage}},
		{"copy", &k.Copy, []string{scopeMessages, scopeMessage}},
		{"publish", &k.Publish, []string{scopeDestinations, scopeMessages}},
		{"mark", &k.Mark, []string{scopeMessages}},
		{"mark-range", &k.MarkRange, []string{scopeMessages}},
		{"mark-all", &k.MarkAll, []string{scopeMessages}},
		{"replay", &k.Replay, []string{scopeMessages}},
		{"redrive", &k.Redrive, []string{scopeDestinations, scopeMessages}},
	}
}

// mutatingActions are the actions that change a broker: the TUI must not offer them in a read-only
// context (the session in actions/ refuses them anyway).
var mutatingActions = []string{"reset-offsets", "purge", "delete", "create", "edit-config", "publish", "replay", "redrive"}

// Mutating are the bindings of the actions that change a broker, for tests that hold every view to
// read-only mode.
func (k *KeyMap) Mutating() []key.Binding {
	var out []key.Binding
	for _, a := range k.actions() {
		if slices.Contains(mutatingActions, a.name) {
			out = append(out, *a.binding)
		}
	}
	return out
}

// ActionNames lists the names the config file's keys mapping accepts.
func ActionNames() []string {
	var k KeyMap
	var names []string
	for _, a := range k.actions() {
		names = append(names, a.name)
	}
	return names
}

// Rebind applies the config file's key bindings on top of k: each named action gets exactly the keys
// written, and its help shows them. An unknown action, a key the terminal never sends, or one key bound
// to two actions that are live at the same time is an error at the binding's place in the file.
func (k *KeyMap) Rebind(file *config.File) error {
	if file == nil || len(file.Keys) == 0 {
		return nil
	}
	byName := map[string]action{}
	for _, a := range k.actions() {
		byName[a.name] = a
	}
	for _, b := range file.Keys {
		a, ok := byName[b.Action]
		if !ok {
			return file.KeyError(b, "keys: there is no action %q; the actions are %s", b.Action, strings.Join(ActionNames(), ", "))
		}
		for _, s := range b.Keys {
			if msg := checkKey(s); msg != "" {
				return file.KeyError(b, "keys.%s: %s", b.Action, msg)
			}
		}
		*a.binding = key.NewBinding(key.WithKeys(b.Keys...), key.WithHelp(helpKeys(b.Keys), a.binding.Help().Desc))
	}
	if a, b, keyName := k.conflict(); keyName != "" {
		where := config.KeyBinding{}
		for _, kb := range file.Keys {
			if kb.Action == a || kb.Action == b {
				where = kb
			}
		}
		return file.KeyError(where, "keys: %q is bound to both %s and %s, which work in the same view; give one of them another key",
			keyName, a, b)
	}
	return nil
}

// conflict finds a key bound to two actions that share a scope (the shell's keys share every scope).
func (k *KeyMap) conflict() (a, b, keyName string) {
	acts := k.actions()
	for i, x := range acts {
		for _, y := range acts[i+1:] {
			if !sharesScope(x, y) {
				continue
			}
			for _, kx := range x.binding.Keys() {
				if slices.Contains(y.binding.Keys(), kx) {
					return x.name, y.name, kx
				}
			}
		}
	}
	return "", "", ""
}

func sharesScope(x, y action) bool {
	if slices.Contains(x.scopes, scopeAll) || slices.Contains(y.scopes, scopeAll) {
		return true
	}
	for _, s := range x.scopes {
		if slices.Contains(y.scopes, s) {
			return true
		}
	}
	return false
}

// modifiers in the order the terminal library writes them: "ctrl+alt+a" matches, "alt+ctrl+a" never does.
var modifiers = []string{"ctrl", "alt", "shift", "meta", "hyper", "super"}

// namedKeys are the key names the terminal library writes ("enter", "pgup", "f5", ...), taken from the
// library itself.
var namedKeys = func() map[string]bool {
	names := map[string]bool{}
	for code := tea.KeyExtended + 1; code < tea.KeyExtended+400; code++ {
		if s := (tea.Key{Code: code}).Keystroke(); utf8.RuneCountInString(s) > 1 {
			names[s] = true
		}
	}
	for _, code := range []rune{tea.KeyEnter, tea.KeyTab, tea.KeyBackspace, tea.KeyEscape, tea.KeySpace} {
		names[(tea.Key{Code: code}).Keystroke()] = true
	}
	return names
}()

// checkKey says what is wrong with a key as written, or "" when a keypress can match it.
func checkKey(s string) string {
	if s == "" {
		return "a key cannot be empty"
	}
	base, mods := s, []string(nil)
	if i := strings.LastIndex(s[:len(s)-1], "+"); i >= 0 {
		base, mods = s[i+1:], strings.Split(s[:i], "+")
	}
	last := -1
	for _, m := range mods {
		at := slices.Index(modifiers, m)
		if at < 0 {
			return fmt.Sprintf("%q: %q is not a modifier (use %s)", s, m, strings.Join(modifiers, ", "))
		}
		if at <= last {
			return fmt.Sprintf("%q: write modifiers in the order %s", s, strings.Join(modifiers, "+"))
		}
		last = at
	}
	if utf8.RuneCountInString(base) == 1 && !unicode.IsSpace([]rune(base)[0]) || namedKeys[base] {
		return ""
	}
	return fmt.Sprintf("%q is not a key: use one character, or a key name such as enter, esc, tab, space, "+
		"backspace, up, down, left, right, pgup, pgdown, home, end, delete or f1-f12", s)
}

// helpKeys is how the help shows a binding's keys: "↑/k", "ctrl+c".
func helpKeys(keys []string) string {
	arrows := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→"}
	shown := make([]string, len(keys))
	for i, k := range keys {
		if a, ok := arrows[k]; ok {
			k = a
		}
		shown[i] = k
	}
	return strings.Join(shown, "/")
}

// KeysFor is the built-in key map with the config file's bindings applied (see Rebind).
func KeysFor(file *config.File) (KeyMap, error) {
	k := DefaultKeyMap()
	err := k.Rebind(file)
	return k, err
}

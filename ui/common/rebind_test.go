package common

import (
	"reflect"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/config"
)

func bindings(t *testing.T, yaml string) *config.File {
	t.Helper()
	f, err := config.Parse("/c.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDefaultKeyMapHasNoConflicts(t *testing.T) {
	k := DefaultKeyMap()
	if a, b, key := k.conflict(); key != "" {
		t.Fatalf("%q is bound to %s and %s", key, a, b)
	}
	if len(ActionNames()) != 37 {
		t.Errorf("actions = %v", ActionNames())
	}
}

func TestRebind(t *testing.T) {
	k, err := KeysFor(bindings(t, "keys:\n  quit: [Q, ctrl+q]\n  filter: \"/\"\n  up: [up, ctrl+p]\n  sort: o\n"))
	if err != nil {
		t.Fatal(err)
	}
	press := func(code rune, mod tea.KeyMod) tea.KeyPressMsg {
		msg := tea.KeyPressMsg{Code: code, Mod: mod}
		if mod == 0 {
			msg.Text = string(code)
		}
		return msg
	}
	if !key.Matches(press('Q', 0), k.Quit) || !key.Matches(press('q', tea.ModCtrl), k.Quit) || key.Matches(press('q', 0), k.Quit) {
		t.Errorf("quit keys = %v", k.Quit.Keys())
	}
	if k.Quit.Help() != (key.Help{Key: "Q/ctrl+q", Desc: "quit"}) || k.Up.Help().Key != "↑/ctrl+p" || k.Sort.Help().Key != "o" {
		t.Errorf("help = %+v %+v %+v", k.Quit.Help(), k.Up.Help(), k.Sort.Help())
	}
	if k.Help.Keys()[0] != "?" || k.Down.Help().Key != "↓/j" {
		t.Error("bindings not named were changed")
	}
	if none, err := KeysFor(nil); err != nil || none.Quit.Keys()[0] != "q" {
		t.Errorf("no file: %v", err)
	}
}

func TestRebindErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"keys:\n  quti: [x]\n", `/c.yaml:2:3: keys: there is no action "quti"; the actions are command, filter, back,`},
		{"keys:\n  help: [x]\n  sort: [x]\n", `/c.yaml:3:3: keys: "x" is bound to both help and sort, which work in the same view`},
		{"keys:\n  follow: [o]\n", `/c.yaml:2:3: keys: "o" is bound to both follow and go-to`},
		{"keys:\n  quit: [ctlr+c]\n", `/c.yaml:2:3: keys.quit: "ctlr+c": "ctlr" is not a modifier (use ctrl, alt, shift, meta, hyper, super)`},
		{"keys:\n  quit: [alt+ctrl+c]\n", `/c.yaml:2:3: keys.quit: "alt+ctrl+c": write modifiers in the order ctrl+alt+shift+meta+hyper+super`},
		{"keys:\n  back: [escape]\n", `/c.yaml:2:3: keys.back: "escape" is not a key: use one character, or a key name such as enter, esc,`},
	} {
		_, err := KeysFor(bindings(t, tc.yaml))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s...", tc.yaml, err, tc.want)
		}
	}
	// Keys in different views may share a key: follow (messages) and exact lag (lists).
	if _, err := KeysFor(bindings(t, "keys:\n  follow: [x]\n")); err != nil {
		t.Errorf("follow on x: %v", err)
	}
}

func TestCheckKeyAcceptsWhatTheTerminalSends(t *testing.T) {
	for _, k := range []string{"q", "G", "?", "/", "+", "ctrl++", "ctrl+c", "ctrl+alt+shift+x", "enter", "esc", "space",
		"pgdown", "f5", "shift+tab", "home", "é"} {
		if msg := checkKey(k); msg != "" {
			t.Errorf("%q: %s", k, msg)
		}
	}
}

// Every binding of the key map can be rebound: a new one must be named in actions().
func TestEveryBindingHasAnActionName(t *testing.T) {
	var k KeyMap
	named := map[*key.Binding]bool{}
	for _, a := range k.actions() {
		named[a.binding] = true
	}
	v := reflect.ValueOf(&k).Elem()
	for i := 0; i < v.NumField(); i++ {
		if b, ok := v.Field(i).Addr().Interface().(*key.Binding); ok && !named[b] {
			t.Errorf("KeyMap.%s has no name in actions(): the config file cannot rebind it", v.Type().Field(i).Name)
		}
	}
	m := DefaultKeyMap()
	if got := len(m.Mutating()); got != len(mutatingActions) {
		t.Errorf("Mutating() has %d bindings, want %d", got, len(mutatingActions))
	}
}

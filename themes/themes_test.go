package themes

import (
	"reflect"
	"regexp"
	"testing"
)

var hexColour = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Every built-in theme sets every colour, in a form lipgloss understands: an unset colour would silently fall
// back to the terminal's default and make, say, the selected row invisible.
func TestBuiltinThemesSetEveryColour(t *testing.T) {
	for _, name := range Names() {
		th, ok := Get(name)
		if !ok || th.Name != name {
			t.Fatalf("Get(%q) = %q, %v", name, th.Name, ok)
		}
		v := reflect.ValueOf(th)
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.Type != reflect.TypeOf(Color("")) {
				continue
			}
			if c := v.Field(i).String(); !hexColour.MatchString(c) {
				t.Errorf("theme %s: %s = %q, want #rrggbb", name, f.Name, c)
			}
		}
	}
}

func TestGetFallsBackToDefault(t *testing.T) {
	if th, ok := Get(""); !ok || th.Name != DefaultName {
		t.Fatalf(`Get("") = %q, %v; want the default`, th.Name, ok)
	}
	if th, ok := Get("no-such-theme"); ok || th.Name != DefaultName {
		t.Fatalf("Get(unknown) = %q, %v; want the default and false", th.Name, ok)
	}
	if light, _ := Get("light"); light.Dark || light.Foreground == Default().Foreground {
		t.Fatal("the light theme should be light and differ from the dark one")
	}
}

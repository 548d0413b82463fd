package kafka

import (
	"strings"
	"testing"
)

// Kafka's rules for topic names, applied before any request (kfake takes any name; a real broker does not).
func TestCheckDestinationName(t *testing.T) {
	b := &Backend{}
	for name, want := range map[string]string{
		"orders":                 "",
		"orders-v2.eu_west":      "warning",
		"orders.v2":              "",
		"orders_v2":              "",
		strings.Repeat("x", 249): "",
		strings.Repeat("x", 250): "at most 249",
		"":                       "needs a name",
		".":                      `topic name "."`,
		"..":                     `topic name ".."`,
		"evil\x1b[2J":            `'\x1b' is not allowed`,
		"a b":                    `' ' is not allowed`,
		"bestellungen-ü":         `'ü' is not allowed`,
		"orders/2026":            `'/' is not allowed`,
	} {
		warning, err := b.CheckDestinationName(name)
		switch {
		case want == "" && (err != nil || warning != ""):
			t.Errorf("%q: %v %q, want it taken without a word", name, err, warning)
		case want == "warning" && (err != nil || !strings.Contains(warning, "mixes '.' and '_'")):
			t.Errorf("%q: %v %q, want a warning about '.' and '_'", name, err, warning)
		case want != "" && want != "warning" && (err == nil || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), "ASCII letters, digits") || strings.Contains(err.Error(), "\n")):
			t.Errorf("%q: %v, want one line with %q and the rule", name, err, want)
		}
	}
}

package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/backends"
)

// Issue 11.12: the CLI's table measures cells as the terminal and the TUI do: a key with an emoji variation
// selector (❤️, two cells) or CJK does not push the columns after it.
func TestPeekTableMeasuresLikeTheTerminal(t *testing.T) {
	var out bytes.Buffer
	tab := newMessageTable(&out)
	for _, key := range []string{"plain", "❤️ love", "注文キュー🔥🚀"} {
		if err := tab.Write(backends.Message{Key: []byte(key), Body: []byte("BODYSTART")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	col := -1
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n")[1:] {
		i := strings.Index(line, "BODYSTART")
		if c := ansi.StringWidth(line[:i]); col == -1 {
			col = c
		} else if c != col {
			t.Fatalf("the body starts at cell %d and at cell %d:\n%s", col, c, out.String())
		}
	}
}

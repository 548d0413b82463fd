package common

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/config"
)

// The TUI says a refusal in its own terms: its :ctx command, never the CLI's flags.
func TestRefusalInTheTUIsTerms(t *testing.T) {
	err := fmt.Errorf("purge orders: %w", actions.CheckReadOnly(config.Context{Name: "prod", ReadOnly: true}, actions.VerbPurge))
	got := ErrorLine(err)
	want := `purge orders: purge refused: context "prod" is read-only (its config says read-only: true; :ctx switches to another context)`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var zero *actions.Session
	if got := ErrorLine(zero.Can(actions.VerbPublish)); !strings.HasSuffix(got, "(try again once the header says connected)") {
		t.Errorf("not connected: %s", got)
	}
}

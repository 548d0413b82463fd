package cli

import (
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/config"
)

// The CLI says a refusal in its own terms: the command that was refused and the flag that allows it.
func TestRefusalInTheCLIsTerms(t *testing.T) {
	refused := actions.CheckReadOnly(config.Context{Name: "prod", ReadOnly: true}, actions.VerbReset)
	a := &app{command: "reset-offsets", commandVerb: actions.VerbReset}
	want := "reset-offsets refused: context \"prod\" is read-only (remove --read-only, or `read-only: true` from the context, to allow changes)"
	if got := a.phrase(refused); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Wrapped, and refused for another verb than the command's: the verb keeps its own name.
	a.commandVerb = actions.VerbPurge
	want = "step 2: reset offsets refused: context \"prod\" is read-only (remove --read-only, or `read-only: true` from the context, to allow changes)"
	if got := a.phrase(fmt.Errorf("step 2: %w", refused)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

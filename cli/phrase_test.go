package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
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

// The causes actions/ types without CLI wording get the CLI's flags and commands here.
func TestCausesInTheCLIsTerms(t *testing.T) {
	a := &app{}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("plan: %w", &actions.TargetError{Target: "parking", Err: &actions.NotFoundError{Kind: "topic or queue", Name: "parking"}}),
			"plan: --to parking: no such topic or queue here (see `mqscope ls`)"},
		{&actions.TargetError{Target: "dlq", Err: actions.ErrTargetIsSource},
			"--to dlq is the dead-letter queue itself; name where its letters go"},
		{&actions.NotFoundError{Kind: "queue", Name: "nope"}, "no queue named nope here (see `mqscope ls`)"},
		{&actions.RefusedError{Verb: actions.VerbServerMove, Err: backends.ErrNotSupported},
			"server-side redrive refused: this broker cannot move messages itself; redrive without --server-side"},
		{usageError{&actions.BodyError{Seq: 1, Offset: 2, Err: errors.New("bad")}},
			"message 1: the body is not valid JSON (at byte 2: bad); drop --json or fix the body (see mqscope --help)"},
		{fmt.Errorf("server-side redrive of dlq: %w", &actions.ServerSideError{Why: "the letters go to 2 places"}),
			"server-side redrive of dlq: the letters go to 2 places: the broker's own mover cannot do this move; move without --server-side"},
	} {
		if got := a.phrase(tc.err); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	if got := keptReason(actions.KeptLetters{Reason: "no origin: plain", Err: actions.ErrNoOrigin}); got !=
		"no origin: its headers name none; give --to DEST to send such letters somewhere" {
		t.Errorf("kept without origin: %s", got)
	}
	if via(actions.ViaGiven) != "--to" || via("rabbitmq x-death") != "rabbitmq x-death" {
		t.Error("a target given is --to to the CLI")
	}
}

package common

import (
	"errors"
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
	want := `purge orders: purge refused: context "prod" is read-only (its config or the command line made it so; :ctx switches to a context that can change things, if there is one)`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var zero *actions.Session
	if got := ErrorLine(zero.Can(actions.VerbPublish)); !strings.HasSuffix(got, "(try again once the header says connected)") {
		t.Errorf("not connected: %s", got)
	}
}

// The causes actions/ types name no CLI flag or command on the TUI's screen.
func TestCausesInTheTUIsTerms(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("plan the purge of nope: %w", &actions.NotFoundError{Kind: "queue", Name: "nope"}),
			"plan the purge of nope: no queue named nope here (:queues and :topics list what there is)"},
		{&actions.BodyError{Seq: 1, Err: errors.New("bad")},
			"message 1: the body is not valid JSON (bad); fix the body, or change its content type"},
		{&actions.TargetError{Target: "dlq", Err: actions.ErrTargetIsSource},
			"target dlq is the dead-letter queue itself; name where its letters go"},
	} {
		got := ErrorLine(tc.err)
		if got != tc.want || strings.Contains(got, "--") || strings.Contains(got, "mqscope ") {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

package cli

import (
	"errors"
	"strings"

	"github.com/mqscope/mqscope/actions"
)

// phrase is err's message in the CLI's terms: each typed cause from actions/ is said with the command
// and the flags that deal with it.
func (a *app) phrase(err error) string {
	msg := err.Error()
	var refused *actions.RefusedError
	if errors.As(err, &refused) {
		msg = strings.Replace(msg, refused.Error(), a.refusal(refused), 1)
	}
	return msg
}

// refusal names the command that was refused, and what allows it.
func (a *app) refusal(r *actions.RefusedError) string {
	msg := r.Error()
	if a.command != "" && a.commandVerb == r.Verb {
		msg = a.command + strings.TrimPrefix(msg, string(r.Verb))
	}
	if errors.Is(r, actions.ErrReadOnly) {
		msg += " (remove --read-only, or `read-only: true` from the context, to allow changes)"
	}
	return msg
}

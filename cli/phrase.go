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
	var (
		refused    *actions.RefusedError
		target     *actions.TargetError
		notFound   *actions.NotFoundError
		body       *actions.BodyError
		serverSide *actions.ServerSideError
	)
	switch {
	case errors.As(err, &refused):
		msg = strings.Replace(msg, refused.Error(), a.refusal(refused), 1)
	case errors.As(err, &target):
		said := "--to " + strings.TrimPrefix(target.Error(), "target ")
		if errors.As(target, &notFound) {
			said += seeLs
		}
		msg = strings.Replace(msg, target.Error(), said, 1)
	case errors.As(err, &notFound) && notFound.Group:
		msg = strings.Replace(msg, notFound.Error(), notFound.Error()+seeGroups, 1)
	case errors.As(err, &notFound):
		msg = strings.Replace(msg, notFound.Error(), notFound.Error()+seeLs, 1)
	case errors.As(err, &body):
		msg = strings.Replace(msg, body.Error(), body.Error()+"; drop --json or fix the body", 1)
	case errors.As(err, &serverSide):
		msg = strings.Replace(msg, serverSide.Error(), serverSide.Error()+"; move without --server-side", 1)
	}
	return msg
}

const (
	seeLs     = " (see `mqscope ls`)"
	seeGroups = " (see `mqscope groups`)"
)

// refusal names the command that was refused, and what allows it.
func (a *app) refusal(r *actions.RefusedError) string {
	msg := r.Error()
	if a.command != "" && a.commandVerb == r.Verb {
		msg = a.command + strings.TrimPrefix(msg, string(r.Verb))
	}
	switch {
	case errors.Is(r, actions.ErrReadOnly):
		msg += " (remove --read-only, or `read-only: true` from the context, to allow changes)"
	case r.Verb == actions.VerbServerMove:
		msg += "; redrive without --server-side"
	}
	return msg
}

// keptReason is why letters stay, as a plan says it: letters with no origin can be given a target.
func keptReason(k actions.KeptLetters) string {
	if errors.Is(k.Err, actions.ErrNoOrigin) {
		return "no origin: its headers name none; give --to DEST to send such letters somewhere"
	}
	return k.Reason
}

// via is how a plan found a target, in the CLI's terms.
func via(v string) string {
	if v == actions.ViaGiven {
		return "--to"
	}
	return v
}

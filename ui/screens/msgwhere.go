package screens

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
)

// setWhere is w: the browser shows only the messages for which text, in peek --where's language, holds.
// It is evaluated once per message: here over what is held (at most MaxMessages, each body held cut to a
// bound), then in add on each message as it arrives. A mistake is a flash and changes nothing; "" clears.
func (v *browser) setWhere(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	if text == "" {
		v.where, v.whereText = nil, ""
		v.SetFilter(v.filter)
		return nil
	}
	where, err := actions.CompileWhere(text)
	if err != nil {
		return common.Flash(common.FlashError, sanitize.Line(err.Error()))
	}
	if v.c.Registry != nil || v.c.Protos != nil {
		where.Decoded = v.decodedBody()
	}
	v.where, v.whereText = where, text
	v.whereSeen, v.whereHits = 0, 0
	for i := range v.ring.Len() {
		v.evalWhere(v.ring.At(i))
	}
	v.SetFilter(v.filter) // lists what now shows, keeping the cursor's message where it can
	return nil
}

// evalWhere notes whether the where expression holds for e, and counts it.
func (v *browser) evalWhere(e *entry) {
	if v.where == nil {
		return
	}
	ok, _ := v.where.Match(e.msg) // an expression that fails on a message (a field of another type) does not match it
	e.where = ok
	v.whereSeen++
	if ok {
		v.whereHits++
	}
}

// decodedBody has value read what the context's decoders make of a body, as peek --where does
// (present.WhereBody is the CLI's and this one function).
func (v *browser) decodedBody() func(backends.Message) []byte {
	dec := &decode.Decoder{Registry: v.c.Registry, Protos: v.c.Protos}
	return func(m backends.Message) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), decodeTimeout)
		defer cancel()
		return present.WhereBody(ctx, dec)(m)
	}
}

// whereStatus is the status line's word on the where expression, or "" when none is set.
func (v *browser) whereStatus() string {
	if v.where == nil {
		return ""
	}
	return "where " + sanitize.Line(v.whereText) + ": matched " + present.Int(v.whereHits) + " of " +
		present.Int(v.whereSeen) + " scanned"
}

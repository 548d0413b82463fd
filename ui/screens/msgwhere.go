package screens

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
)

// w: the browser shows only the messages for which an expression, in peek --where's language, holds.
//
// The expression reads decoded bodies, and decoding a wire-format body may ask the schema registry (up to
// its timeout), so it is never evaluated in Update: a command checks the held messages in arrival order,
// a batch at a time, and hands back the verdicts with the view's id and the run they belong to. A message
// is listed only once it was checked and matched (no verdict before evidence); the status line says how
// far the checking has got. Since arrival numbers are consecutive, what is left to check is one range:
// from whereNext to the newest held.

const (
	whereBatch = 2_000                  // the most messages one command checks
	whereSlice = 100 * time.Millisecond // a command hands back what it checked after this long, to show progress
)

// whereState is the browser's where expression and how far it has been checked.
type whereState struct {
	where *actions.Where // nil: none, every message shows
	text  string
	gen   int             // the expression's generation: an entry's verdict counts when its whereGen is this
	run   int             // the checking's generation: bumped when work under way must be dropped (new w, restart, Stop)
	next  int64           // arrival number of the oldest message not checked yet
	busy  bool            // a command of this run is checking
	ctx   context.Context // of this run: cancelled when it is left behind
	stop  context.CancelFunc
	seen  int64 // held messages checked
	hits  int64 // ... of which it holds for
	// undecoded counts the checked messages whose value no decoder could read (a registry down, an
	// unknown schema id): the expression saw their bytes, and the status line says how many.
	undecoded int64
}

// whereChecked is what one command found: verdicts of the messages from arrival number from on.
type whereChecked struct {
	run       int
	from      int64
	hits      []bool
	undecoded []bool // the value read was the bytes: the decoder failed
}

// setWhere is w's prompt: a mistake is a flash and changes nothing; "" clears.
func (v *browser) setWhere(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	if text == "" {
		v.dropWhereWork()
		v.w.where, v.w.text = nil, ""
		v.w.gen++
		v.SetFilter(v.filter)
		return nil
	}
	where, err := actions.CompileWhere(text)
	if err != nil {
		return common.Flash(common.FlashError, sanitize.Line(err.Error()))
	}
	v.dropWhereWork()
	v.w.where, v.w.text = where, text
	v.w.gen++ // every verdict held is of another expression
	v.w.next, v.w.seen, v.w.hits, v.w.undecoded = v.oldestSeq(), 0, 0, 0
	v.SetFilter(v.filter) // nothing shows until it is checked
	return v.checkWhere()
}

// dropWhereWork forgets the checking under way: its result, when it comes, is dropped.
func (v *browser) dropWhereWork() {
	if v.w.stop != nil {
		v.w.stop()
	}
	v.w.ctx, v.w.stop, v.w.busy = nil, nil, false
	v.w.run++
}

// resetWhere is for a browser that drops what it holds: what comes next is checked from the start.
func (v *browser) resetWhere() {
	v.dropWhereWork()
	v.w.next, v.w.seen, v.w.hits, v.w.undecoded = 0, 0, 0, 0
}

// checkWhere returns the command that checks the next batch of held messages not checked yet, unless
// there are none or a batch is under way (its result starts the next).
func (v *browser) checkWhere() tea.Cmd {
	if v.w.where == nil || v.w.busy {
		return nil
	}
	v.w.next = max(v.w.next, v.oldestSeq())
	n := min(v.ring.Total-v.w.next, whereBatch)
	if n <= 0 {
		return nil
	}
	msgs := make([]backends.Message, n)
	for i := range msgs {
		msgs[i] = v.at(v.w.next + int64(i)).msg // held messages are never changed: the command only reads them
	}
	if v.w.ctx == nil {
		v.w.ctx, v.w.stop = context.WithCancel(context.Background())
	}
	v.w.busy = true
	var dec *decode.Decoder
	if v.c.Registry != nil || v.c.Protos != nil {
		dec = &decode.Decoder{Registry: v.c.Registry, Protos: v.c.Protos}
	}
	where, run, from, ctx := *v.w.where, v.w.run, v.w.next, v.w.ctx
	return common.Go(v.ID(), func() whereChecked { return checkWhere(ctx, &where, dec, run, from, msgs) }, v.onWhereChecked)
}

// checkWhere evaluates where on msgs, off the UI goroutine, until all are checked, whereSlice has passed
// or ctx is done. With dec, value reads what the context's decoders make of a body, as peek --where's
// does (present.WhereValue is the choice of both); a decode may ask the schema registry.
func checkWhere(ctx context.Context, where *actions.Where, dec *decode.Decoder, run int, from int64, msgs []backends.Message) whereChecked {
	start := time.Now()
	out := whereChecked{run: run, from: from, hits: make([]bool, 0, len(msgs)), undecoded: make([]bool, 0, len(msgs))}
	failed := false
	if dec != nil {
		where.Decoded = func(m backends.Message) []byte {
			ctx, cancel := context.WithTimeout(ctx, decodeTimeout)
			defer cancel()
			d := dec.DecodeInput(ctx, present.DecodeInput(m))
			failed = d.Failed
			return present.WhereValue(m, d)
		}
	}
	for _, m := range msgs {
		if ctx.Err() != nil {
			break
		}
		failed = false
		ok, _ := where.Match(m) // an expression that fails on a message (a field of another type) does not match it
		out.hits, out.undecoded = append(out.hits, ok), append(out.undecoded, failed)
		if time.Since(start) > whereSlice {
			break
		}
	}
	return out
}

// onWhereChecked takes a batch's verdicts, unless they are of a run left behind, and starts the next.
func (v *browser) onWhereChecked(r whereChecked) tea.Cmd {
	if r.run != v.w.run {
		return nil
	}
	v.w.busy = false
	oldest := v.oldestSeq()
	v.keepCursor(func() {
		for i, ok := range r.hits {
			seq := r.from + int64(i)
			if seq < oldest {
				continue // let go meanwhile
			}
			e := v.at(seq)
			e.where, e.whereGen, e.undecoded = ok, v.w.gen, r.undecoded[i]
			v.w.seen++
			if e.undecoded {
				v.w.undecoded++
			}
			if ok {
				v.w.hits++
				if v.shows(e) {
					v.visible = append(v.visible, seq) // checked in arrival order: after every row listed
				}
			}
		}
		v.refreshRows()
	})
	v.w.next = r.from + int64(len(r.hits))
	v.schemasMayHaveCome()
	return v.checkWhere()
}

// forgetWhere uncounts e, which the ring is letting go.
func (v *browser) forgetWhere(e *entry) {
	if v.w.where == nil || e.whereGen != v.w.gen {
		return
	}
	v.w.seen--
	if e.where {
		v.w.hits--
	}
	if e.undecoded {
		v.w.undecoded--
	}
}

// whereHolds says whether the where expression lets e show: none is set, or it was checked and holds.
func (v *browser) whereHolds(e *entry) bool {
	return v.w.where == nil || (e.whereGen == v.w.gen && e.where)
}

// whereChecking is true while held messages are still to be checked.
func (v *browser) whereChecking() bool {
	return v.w.where != nil && v.w.seen < int64(v.ring.Len())
}

// whereStatus is the status line's word on the where expression, or "" when none is set: how far the
// checking has got, and what matched so far.
func (v *browser) whereStatus() string {
	if v.w.where == nil {
		return ""
	}
	s := "where: " + present.Int(v.w.seen) + "/" + present.Int(int64(v.ring.Len())) + " checked, " + present.Int(v.w.hits) + " match"
	if v.w.undecoded > 0 {
		s += ", " + present.Int(v.w.undecoded) + " not decoded (their bytes were read; v on one says why)"
	}
	return s + " (" + sanitize.Line(v.w.text) + ")" // last: a narrow screen cuts the expression, not the figures
}

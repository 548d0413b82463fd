package screens

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/progress"
	"github.com/mqscope/mqscope/ui/components/table"
)

// What the browser sends: a new message (n), a redrive of its letters (D), and copies of the messages
// marked with space (r). Marks are kept by arrival number, so they stay on their messages through a
// filter or a follow, and go with them when the bounded window lets them go.

// marks are the marked messages of a browser.
type marks struct {
	set    map[int64]bool
	anchor int64 // the last message marked or unmarked, where M's range starts; -1: none
}

func newMarks() marks { return marks{set: map[int64]bool{}, anchor: -1} }

// forget drops the marks of messages the window no longer holds.
func (m *marks) forget(oldest int64) {
	for seq := range m.set {
		if seq < oldest {
			delete(m.set, seq)
		}
	}
	if m.anchor < oldest {
		m.anchor = -1
	}
}

// canReplay: marked messages can be copied where the broker publishes, outside read-only.
func canReplay(c *common.Common) bool {
	return c.Allows(actions.VerbReplay)
}

// sendBindings are the browser's keys for sending, where they can be used.
func (v *browser) sendBindings() []key.Binding {
	k := v.c.Keys
	var keys []key.Binding
	if canReplay(v.c) {
		keys = append(keys, k.Mark, k.MarkRange, k.MarkAll, common.Relabel(k.Replay, v.replayDesc()))
	}
	if canPublish(v.c, v.dest) {
		keys = append(keys, k.Publish)
	}
	if canRedrive(v.c, v.dest) {
		keys = append(keys, k.Redrive)
	}
	return keys
}

func (v *browser) replayDesc() string {
	if n := len(v.marks.set); n > 0 {
		return fmt.Sprintf("replay %d marked", n)
	}
	return "replay this one"
}

// sendKey handles the keys of sendBindings; ok says whether msg was one of them.
func (v *browser) sendKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	k := v.c.Keys
	switch {
	case key.Matches(msg, k.Publish) && canPublish(v.c, v.dest):
		return common.Push(newPublishForm(v.c, v.dest, v.ID())), true
	case key.Matches(msg, k.Redrive) && canRedrive(v.c, v.dest):
		return common.Push(newRedrivePlan(v.c, v.dest, v.ID())), true
	case !canReplay(v.c):
		return nil, false
	case key.Matches(msg, k.Mark):
		v.toggleMark()
	case key.Matches(msg, k.MarkRange):
		v.markRange()
	case key.Matches(msg, k.MarkAll):
		v.markAll()
	case key.Matches(msg, k.Replay):
		return v.askReplay(), true
	default:
		return nil, false
	}
	v.refreshRows()
	return nil, true
}

// toggleMark marks or unmarks the message under the cursor and moves down, so that space after space
// marks a run.
func (v *browser) toggleMark() {
	seq, ok := v.selectedSeq()
	if !ok {
		return
	}
	if v.marks.set[seq] {
		delete(v.marks.set, seq)
	} else {
		v.marks.set[seq] = true
	}
	v.marks.anchor = seq
	v.table.MoveBy(1)
}

// markRange marks every message shown between the last one marked and the cursor.
func (v *browser) markRange() {
	seq, ok := v.selectedSeq()
	if !ok {
		return
	}
	from, to := min(v.marks.anchor, seq), max(v.marks.anchor, seq)
	if v.marks.anchor < 0 {
		from = seq
	}
	for _, s := range v.visible {
		if s >= from && s <= to {
			v.marks.set[s] = true
		}
	}
	v.marks.anchor = seq
}

// markAll marks every message shown; when they all are, it unmarks them.
func (v *browser) markAll() {
	all := len(v.visible) > 0
	for _, s := range v.visible {
		all = all && v.marks.set[s]
	}
	for _, s := range v.visible {
		if all {
			delete(v.marks.set, s)
		} else {
			v.marks.set[s] = true
		}
	}
}

// markColumn is the narrow first column that shows the marks, where marking is offered or marks exist.
func (v *browser) markColumn() []msgColumn {
	if len(v.marks.set) == 0 && !canReplay(v.c) {
		return nil
	}
	return []msgColumn{{table.Column{Title: " ", Width: 1}, func(e *entry) table.Cell {
		if v.marks.set[e.seq] {
			return table.Cell{Text: "●", Tone: table.Good}
		}
		return table.Cell{Text: " "}
	}}}
}

// marked are the marked messages still held, oldest first; with none marked, the one under the cursor.
func (v *browser) marked() []*entry {
	var out []*entry
	for i := range v.ring.Len() {
		if e := v.ring.At(i); v.marks.set[e.seq] {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		if e, ok := v.selected(); ok {
			out = append(out, e)
		}
	}
	return out
}

// position names a held message for people: p2@1,204 on a topic, #12 in a queue.
func (v *browser) position(e *entry) string {
	if v.dest.Kind == backends.Topic {
		return fmt.Sprintf("p%d@%s", e.msg.Partition, present.Int(e.msg.Offset))
	}
	return "#" + present.Int(e.msg.Offset)
}

// askReplay asks where the marked messages go. A message held cut (its body too big to hold whole)
// cannot be copied from here: it would go out short.
func (v *browser) askReplay() tea.Cmd {
	es := v.marked()
	if len(es) == 0 {
		return nil
	}
	for _, e := range es {
		if e.size > len(e.msg.Body) {
			return common.Flash(common.FlashError, fmt.Sprintf("%s is held cut (%s of %s): copy it whole with `mqscope replay`",
				v.position(e), present.Bytes(len(e.msg.Body)), present.Bytes(e.size)))
		}
	}
	label := fmt.Sprintf("replay %d message%s to (topic or queue): ", len(es), plural(int64(len(es))))
	return v.ask(label, "", func(line string) tea.Cmd { return v.confirmReplay(es, strings.TrimSpace(line)) })
}

// confirmReplay states the copy's exact scope: which messages, from where, to where.
func (v *browser) confirmReplay(es []*entry, to string) tea.Cmd {
	switch {
	case to == "":
		return common.Flash(common.FlashWarn, "no target given: nothing copied")
	case to == v.dest.Name:
		return common.Flash(common.FlashError, sanitize.Line(to)+" is both the source and the target; copy into another destination")
	}
	s := v.c.Styles
	n := int64(len(es))
	src, dst := sanitize.Line(v.dest.Name), sanitize.Line(to)
	var where []string
	for _, e := range es[:min(len(es), 8)] {
		where = append(where, v.position(e))
	}
	if len(es) > 8 {
		where = append(where, fmt.Sprintf("and %s more", present.Int(n-8)))
	}
	scope := []string{
		s.Text.Render(fmt.Sprintf("copies %s message%s of %s (%s) to %s", present.Int(n), plural(n), src, v.dest.Kind, dst)),
		s.Muted.Render("the messages: " + strings.Join(where, ", ")),
		s.Muted.Render("each copy keeps its key, headers, properties and body; the broker stamps the time it is sent"),
		s.Muted.Render(src + " is left as it was"),
	}
	msgs := make([]backends.Message, len(es))
	for i, e := range es {
		msgs[i] = e.msg
	}
	verb := fmt.Sprintf("copy %s message%s", present.Int(n), plural(n))
	return common.Push(confirm.New(v.c, "replay to "+dst, scope, verb, func() tea.Cmd {
		return common.PopToThen(v.ID(), progress.New(v.c, replayTask(v.c, src, to, msgs), v.ID()))
	}))
}

// replayTask copies messages in hand to a destination, with progress.
func replayTask(c *common.Common, src, to string, msgs []backends.Message) progress.Task {
	dst := sanitize.Line(to)
	session := c.Session()
	return progress.WithWork(progress.Task{
		Title:      "replay to " + dst,
		Verb:       "sent",
		Scope:      []string{c.Styles.Muted.Render(fmt.Sprintf("%s messages of %s to %s", present.Int(int64(len(msgs))), src, dst))},
		Total:      int64(len(msgs)),
		CancelNote: "copies the broker confirmed stay; the rest are not sent",
	}, func(ctx context.Context, _ backends.Backend, report func(progress.Counts)) (actions.SendReport, error) {
		return session.ReplayMessages(ctx, msgs, backends.Target{Destination: to}, sendProgress(report))
	}, func(r actions.SendReport, err error, cancelled bool) progress.Report {
		return sendOutcome(c, "replay", "from "+src+" to "+dst, r, err, cancelled)
	})
}

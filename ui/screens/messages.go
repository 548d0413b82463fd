package screens

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/table"
)

// KindMessages is the Kind of the message browser.
const KindMessages = "messages"

// Browsable reports whether d holds messages one can browse: topics, queues and streams, not exchanges.
func Browsable(d backends.Destination) bool {
	return d.Kind == backends.Topic || d.Kind == backends.Queue || d.Kind == backends.Stream
}

// followable reports whether d can be tailed: a queue read takes messages, so only logs can be followed.
func followable(d backends.Destination) bool {
	return d.Kind == backends.Topic || d.Kind == backends.Stream
}

// positionable reports whether a read of d can start at a position (an offset, a time, the last N): not
// an MQTT topic, which a listing sampled, whose only held message is its retained one.
func positionable(d backends.Destination) bool { return !present.Sampled(d) }

// defaultLastN is where a topic or stream opens: its last messages, per partition.
const defaultLastN = 100

// What one held message may cost. Bodies longer than holdBody are held cut (their size is kept, and the
// detail says so); once holdBudget bytes are held, new bodies are held cut to trimmedBody, so that 10,000
// big messages cannot take the machine's memory.
const (
	holdBody    = 1 << 20
	holdBudget  = 256 << 20
	trimmedBody = 16 << 10
)

// entry is one held message and what the list needs to draw it.
type entry struct {
	seq        int64 // arrival number: the ring's Total when it came
	msg        backends.Message
	size       int              // the body's size on the broker; more than len(msg.Body) when held cut
	cost       int              // bytes held for it: body, key, headers
	dead       *backends.Origin // a RabbitMQ dead letter's origin (x-death); nil for others
	where      bool             // the browser's where expression holds for it, when whereGen is the expression's
	whereGen   int              // the generation of the expression it was checked with; 0: not checked
	undecoded  bool             // ... and its value was read as bytes: no decoder could read the body
	preview    string           // memo: the body's one-line preview, made when the row is first drawn
	previewGen int              // the browser's previewGen when the memo was made
	tone       table.Tone
}

// browser is the message browser: a bounded window of what a peek read, newest last.
type browser struct {
	common.Base
	c    *common.Common
	dest backends.Destination

	b          backends.Backend // the live backend while started
	from       backends.Position
	fromText   string
	partitions []int32 // nil: every partition
	follow     bool

	peekEffects      // what a peek does here, and whether the question is out
	confirm     bool // waiting for the user to accept the effects
	gen         int  // peek generation: batches of an older one are dropped
	stream      *stream
	peeking     bool
	finished    bool      // the last peek read all it was asked for
	readAt      time.Time // when the last peek ended: what a queue shows is as old as this
	err         error

	capacity int
	budget   int // bytes held before new bodies are held cut short
	ring     *actions.Ring[*entry]
	held     int             // body bytes held
	newest   map[int32]int64 // the highest offset held per partition
	skipUpTo map[int32]int64 // while resuming: what is already held
	latest   time.Time       // the newest timestamp held
	widths   []int           // of present.Messages: the widest cell held, within maxCellWidth
	shown    []bool          // of present.Messages: whether it applies to a message held

	filter    string
	match     matcher
	filterErr error
	w         whereState // w: only the messages its expression holds for are shown
	visible   []int64    // arrival numbers of the held messages that match, oldest first
	cols      []msgColumn
	marks     marks // what r replays

	previewGen int          // bumped when schemas may have come: previews made without them are made again
	fetching   map[int]bool // schema ids asked of the registry, or about to be
	toFetch    []int        // ... of which not asked yet
	waiting    map[int]bool // schema ids the registry did not answer for: asked again when its cache lets go
	waking     bool         // ... and the wake-up that asks is on its way

	prompt *prompt
	table  table.Model
}

// NewMessages returns the browser of d. It reads nothing until the shell starts it with a backend.
func NewMessages(c *common.Common, d backends.Destination) common.View {
	v := &browser{Base: common.NewBase(KindMessages, sanitize.Line(d.Name)), c: c, dest: d, capacity: max(c.MaxMessages, 1), budget: holdBudget,
		table: table.New(c.Styles.Table)}
	v.from, v.fromText = backends.Position{Kind: backends.Earliest}, "earliest"
	if followable(d) {
		v.from, v.fromText = backends.Position{Kind: backends.LastN, N: defaultLastN}, fmt.Sprintf("-%d", defaultLastN)
	}
	v.clear()
	return v
}

func (v *browser) Filter() string  { return v.filter }
func (v *browser) Capturing() bool { return v.prompt != nil }
func (v *browser) SetSize(width, height int) {
	v.Base.SetSize(width, height)
	v.refreshRows()
	v.layout()
}

func (v *browser) Keys() []key.Binding {
	k := v.c.Keys
	switch {
	case v.confirm:
		return []key.Binding{k.Confirm}
	case v.prompt != nil:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")), cancelKey}
	}
	keys := []key.Binding{k.Open}
	if positionable(v.dest) {
		keys = append(keys, k.StartAt, k.GoTo)
	}
	if followable(v.dest) {
		keys = append(keys, k.Follow)
	}
	return append(append(keys, k.Where, k.Copy), v.sendBindings()...)
}

// Load is only a check that the broker is still there: the messages stream in through Start. A peek
// that fails says why but cannot tell a dead broker from a missing topic; this lets the shell notice the
// first, reconnect, and start the view again (a follow picks up where it was).
func (v *browser) Load() *common.Load { return connectionCheck }

var connectionCheck = common.LoadWith(func(ctx context.Context, b backends.Backend) (backends.Identity, error) {
	return b.Identity(ctx)
}, func(backends.Identity, time.Time) {})

// clear forgets every held message.
func (v *browser) clear() {
	v.ring = actions.NewRing[*entry](v.capacity)
	v.held, v.latest = 0, time.Time{}
	v.newest, v.skipUpTo = map[int32]int64{}, nil
	v.widths, v.shown = make([]int, len(present.Messages)), make([]bool, len(present.Messages))
	for i, c := range present.Messages {
		v.widths[i] = len(c.Name)
	}
	v.visible = v.visible[:0]
	v.resetWhere()
	v.marks = newMarks()
	v.refreshRows()
}

// Start is the shell's: it hands over the backend when the view opens or the connection comes back.
func (v *browser) Start(b backends.Backend) tea.Cmd {
	v.b = b
	if b == nil {
		return nil
	}
	if err := v.c.Session().Can(actions.VerbPeek); err != nil {
		v.err = err
		return nil
	}
	return tea.Batch(v.proceed(), v.checkWhere()) // a where stopped with the connection goes on
}

// Stop is the shell's: the view is closing, or the connection is gone.
func (v *browser) Stop() {
	v.stream.stop()
	v.stream, v.b = nil, nil
	v.peeking, v.asking = false, false
	v.gen++ // whatever is still on its way is dropped
	v.dropWhereWork()
	v.fetching, v.toFetch = nil, nil // a fetch under way is dropped with the connection: asked again
}

// proceed takes the next step towards reading: ask what a peek does here, ask the user, or read.
func (v *browser) proceed() tea.Cmd {
	switch {
	case v.asking || v.confirm || v.peeking:
		return nil
	case v.effects == nil && v.b == nil:
		return nil
	case v.effects == nil:
		if v.c.Allows(actions.VerbAdvise) {
			v.asking, v.err = true, nil
			v.gen++
			return common.Go(v.ID(), askEffects(v.gen, v.b, v.dest.Name), v.onEffects)
		}
		v.effects = &backends.PeekEffects{}
	}
	switch {
	case v.effects.Costly() && !v.acked():
		v.confirm = true
		return nil
	case v.finished && !v.follow, v.b == nil:
		return nil // what it read is still on screen, or there is nothing to read with
	}
	return v.peek()
}

// ackKey names this destination in the program context's record of accepted notices.
func (v *browser) ackKey() string { return peekAckKey(v.c, v.dest) }
func (v *browser) acked() bool    { return v.c.PeekAcked[v.ackKey()] }
func (v *browser) ack()           { v.c.PeekAcked[v.ackKey()] = true }

// peek starts a peek. A follow with messages held continues after the newest of them; anything else
// starts over from the chosen position.
func (v *browser) peek() tea.Cmd {
	v.stream.stop()
	v.gen++
	req := backends.PeekRequest{Destination: v.dest.Name, From: v.from, Partitions: v.partitions, Follow: v.follow}
	if v.follow && v.ring.Len() > 0 {
		req.From = v.resumeFrom()
		v.skipUpTo = maps.Clone(v.newest)
	} else {
		v.clear()
		if !v.follow {
			req.Limit = v.capacity // from the earliest of a huge topic, a window is all that is held anyway
		}
	}
	v.stream = newStream(v.gen)
	v.peeking, v.finished, v.err = true, false, nil
	return common.Go(v.ID(), v.stream.start(v.b, req), v.onBatch)
}

// resumeFrom is where a follow picks up: after the newest offset of a single log, or from the newest
// timestamp across partitions (what is already held is skipped by offset).
func (v *browser) resumeFrom() backends.Position {
	if len(v.newest) == 1 && (v.dest.Kind != backends.Topic || len(v.partitions) == 1) {
		for _, off := range v.newest {
			return backends.Position{Kind: backends.AtOffset, Offset: off + 1}
		}
	}
	return backends.Position{Kind: backends.AtTime, Time: v.latest}
}

func (v *browser) onEffects(r effectsResult) tea.Cmd {
	if !v.take(r, v.gen, &v.err) {
		return nil
	}
	if !r.effects.Costly() && r.effects.Notice != "" && !v.acked() {
		// Nothing to confirm, but worth saying once.
		v.ack()
		return tea.Batch(common.Flash(common.FlashInfo, sanitize.Line(r.effects.Notice)), v.proceed())
	}
	return v.proceed()
}

func (v *browser) onBatch(b peekBatch) tea.Cmd {
	if b.gen != v.gen {
		return nil // a peek we have moved on from
	}
	v.add(b.msgs)
	check := tea.Batch(v.checkWhere(), v.fetchSchemas())
	if !b.done {
		return tea.Batch(common.Go(v.ID(), v.stream.read, v.onBatch), check)
	}
	v.peeking, v.stream, v.skipUpTo = false, nil, nil
	v.finished = b.err == nil && !v.follow
	v.readAt = time.Now()
	if b.err == nil || errors.Is(b.err, context.Canceled) {
		return check
	}
	v.err = b.err
	if errors.Is(b.err, context.DeadlineExceeded) {
		v.err = fmt.Errorf("the peek took longer than %s and was stopped: showing what came", peekTimeout)
	}
	v.layout()
	return tea.Batch(check, common.Flash(common.FlashError, common.ErrorLine(v.err)))
}

// add takes a batch in, keeping the cursor on its message, or at the bottom while following.
func (v *browser) add(msgs []backends.Message) {
	if len(msgs) == 0 {
		return
	}
	v.keepCursor(func() {
		for _, m := range msgs {
			if off, ok := v.skipUpTo[m.Partition]; ok && m.Offset <= off {
				continue // held already: a resumed follow reads a little before where it stopped
			}
			if e := v.hold(m); v.shows(e) { // with a where expression set, not before it is checked
				v.visible = append(v.visible, e.seq)
			}
		}
		// Forget the rows of messages the ring has let go.
		oldest := v.oldestSeq()
		v.visible = v.visible[sort.Search(len(v.visible), func(i int) bool { return v.visible[i] >= oldest }):]
		v.marks.forget(oldest)
		v.refreshRows()
	})
}

// keepCursor runs change, which adds or drops rows, keeping the cursor on its message, or at the bottom
// of a tail.
func (v *browser) keepCursor(change func()) {
	selected, had := v.selectedSeq()
	atBottom := len(v.visible) == 0 || v.table.Cursor() == len(v.visible)-1
	change()
	switch {
	case atBottom && (v.follow || v.from.Kind == backends.LastN):
		v.table.Bottom() // a tail: the newest is what one looks at
	case had:
		v.selectSeq(selected)
	}
}

// oldestSeq is the arrival number of the oldest message held (the ring's Total when none is).
func (v *browser) oldestSeq() int64 { return v.ring.Total - int64(v.ring.Len()) }

// hold puts m in the ring, within the memory bounds, and notes what the columns need.
func (v *browser) hold(m backends.Message) *entry {
	if v.ring.Len() == v.capacity { // the oldest is about to be forgotten
		v.held -= v.ring.At(0).cost
		v.forgetWhere(v.ring.At(0))
	}
	size, limit := len(m.Body), holdBody
	if v.held+min(size, holdBody) > v.budget {
		limit = trimmedBody
	}
	m, cost := detach(m, limit)
	e := &entry{seq: v.ring.Total, msg: m, size: size, dead: present.XDeath(m.Headers), cost: cost}
	v.noteSchemas(m)
	v.held += cost
	v.ring.Push(e)

	if off, ok := v.newest[m.Partition]; !ok || m.Offset > off {
		v.newest[m.Partition] = m.Offset
	}
	if m.Timestamp.After(v.latest) {
		v.latest = m.Timestamp
	}
	r := e.row()
	for i, c := range present.Messages {
		if c.Name == "BODY" || !c.AppliesTo(r) {
			continue // the body takes what room is left
		}
		v.shown[i] = true
		v.widths[i] = max(v.widths[i], min(table.TextWidth(c.Text(r)), maxCellWidth))
	}
	return e
}

// detach copies what the browser keeps of m — the body cut to limit, key, headers — out of the buffers the
// backend read it into, so that a held message pins only its own bytes, and says how many that is.
func detach(m backends.Message, limit int) (backends.Message, int) {
	m.Body = bytes.Clone(m.Body[:min(len(m.Body), limit)])
	m.Key = bytes.Clone(m.Key)
	cost := len(m.Body) + len(m.Key)
	hs := make([]backends.Header, len(m.Headers))
	for i, h := range m.Headers {
		h.Value = bytes.Clone(h.Value)
		hs[i] = h
		cost += len(h.Key) + len(h.Value)
	}
	m.Headers = hs
	return m, cost
}

// at returns the held message with arrival number seq.
func (v *browser) at(seq int64) *entry {
	return v.ring.At(int(seq - v.oldestSeq()))
}

func (v *browser) selected() (*entry, bool) {
	if len(v.visible) == 0 {
		return nil, false
	}
	return v.at(v.visible[v.table.Cursor()]), true
}

func (v *browser) selectedSeq() (int64, bool) {
	e, ok := v.selected()
	if !ok {
		return 0, false
	}
	return e.seq, true
}

// selectSeq puts the cursor on the message with arrival number seq, or the nearest one after it.
func (v *browser) selectSeq(seq int64) {
	v.table.SetCursor(sort.Search(len(v.visible), func(i int) bool { return v.visible[i] >= seq }))
}

// SetFilter narrows the list to the messages whose key, headers or body match: the work is done here, once
// per change of the filter, over a bounded part of each message.
func (v *browser) SetFilter(text string) {
	selected, had := v.selectedSeq()
	v.filter = text
	v.match, v.filterErr = compileFilter(text)
	v.visible = v.visible[:0]
	for i := range v.ring.Len() {
		if e := v.ring.At(i); v.shows(e) {
			v.visible = append(v.visible, e.seq)
		}
	}
	v.refreshRows()
	if had {
		v.selectSeq(selected)
	}
}

// shows says whether e is listed: the where expression holds for it and the filter matches it.
func (v *browser) shows(e *entry) bool {
	return v.whereHolds(e) && (v.match == nil || v.match(e))
}

func (v *browser) Update(msg tea.KeyPressMsg) tea.Cmd {
	if v.prompt != nil {
		return v.promptKey(msg)
	}
	k := v.c.Keys
	if v.confirm {
		if key.Matches(msg, k.Confirm) {
			v.ack()
			v.confirm = false
			return v.proceed()
		}
		return nil
	}
	switch {
	case k.MoveTable(&v.table, msg):
	case key.Matches(msg, k.Open, k.Details):
		if e, ok := v.selected(); ok {
			return common.Push(newMessageDetail(v.c, v.dest, e))
		}
	case key.Matches(msg, k.Follow):
		return v.toggleFollow()
	case key.Matches(msg, k.StartAt, k.GoTo) && !positionable(v.dest):
		return nil
	case key.Matches(msg, k.StartAt):
		return v.ask("start at (earliest, latest, OFFSET, -N, @TIME, @-15m): ", v.fromText, v.startAt)
	case key.Matches(msg, k.GoTo):
		return v.ask(v.goToPrompt(), "", v.goTo)
	case key.Matches(msg, k.Where):
		return v.ask("where (peek --where's EXPR, empty clears): ", v.w.text, v.setWhere)
	case key.Matches(msg, k.Copy):
		if e, ok := v.selected(); ok {
			return copyBody(e.msg.Body, e.size)
		}
	default:
		cmd, _ := v.sendKey(msg)
		return cmd
	}
	return nil
}

// Reload is ctrl+r: read again from the same position. A follow is live already and goes on.
func (v *browser) Reload() tea.Cmd {
	if v.follow || v.confirm || v.prompt != nil {
		return nil
	}
	v.restart(v.from, v.fromText, v.partitions)
	return v.proceed()
}

func (v *browser) toggleFollow() tea.Cmd {
	if !followable(v.dest) {
		return common.Flash(common.FlashWarn, "only topics and streams can be followed: reading a queue takes its messages")
	}
	v.stream.stop()
	v.stream, v.peeking = nil, false
	v.gen++
	v.follow = !v.follow
	if !v.follow {
		v.finished = true // stopped where it was: what is held stays
		return nil
	}
	v.table.Bottom() // a tail shows the newest, and sticks to it
	return v.proceed()
}

// startAt reads again from the position typed, in the CLI's --from syntax.
func (v *browser) startAt(line string) tea.Cmd {
	pos, err := actions.ParsePosition(line, time.Now())
	if err != nil {
		return common.Flash(common.FlashError, sanitize.Line(err.Error()))
	}
	v.restart(pos, strings.TrimSpace(line), nil)
	return v.proceed()
}

// restart drops what is held and makes the next peek start at pos.
func (v *browser) restart(pos backends.Position, text string, partitions []int32) {
	v.stream.stop()
	v.stream, v.peeking, v.finished, v.err = nil, false, false, nil
	v.gen++
	v.from, v.fromText, v.partitions = pos, cmpOr(text, "earliest"), partitions
	v.clear()
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (v *browser) refreshRows() {
	v.cols = v.msgColumns()
	v.table.SetColumns(v.columns())
	v.table.SetRows(len(v.visible), v.row)
}

// layout sizes the table to what the banner and the prompt leave.
func (v *browser) layout() {
	h := v.Height
	if v.err != nil {
		h--
	}
	if v.prompt != nil {
		h--
	}
	v.table.SetSize(v.Width, max(h, 0))
}

package screens

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/redact"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
	"github.com/mqscope/mqscope/ui/components/form"
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/components/progress"
	"github.com/mqscope/mqscope/ui/components/table"
)

// KindRedrive is the Kind of the redrive plan: where the dead letters of a destination would go.
const KindRedrive = "redrive"

// canRedrive reports whether the letters of d may be moved back: the broker moves messages, the context
// allows changes, and d holds messages.
func canRedrive(c *common.Common, d dest) bool {
	return c.Allows(actions.VerbRedrive) && Browsable(d)
}

// redriveActions offers D (redrive) on what holds letters the broker can move.
func redriveActions(c *common.Common, d dest) []list.Action {
	if !canRedrive(c, d) {
		return nil
	}
	return []list.Action{{Binding: c.Keys.Redrive, RunFrom: func(from int) tea.Cmd {
		return common.Push(newRedrivePlan(c, d, from))
	}}}
}

// planResult is a dry run's answer.
type planResult struct {
	gen  int
	plan actions.RedrivePlan
	err  error
}

// redrivePlan is the dry run of a redrive: it reads the letters the way a peek does (changing nothing,
// after the same notice as the browser where reading marks them redelivered), shows how many go to each
// target and which stay and why, lets the options change (--to, the original exchange), and asks for
// the move with a confirmation that states its exact scope.
type redrivePlan struct {
	common.Base
	c        *common.Common
	dest     dest
	returnTo int
	opts     actions.RedriveOptions

	b           backends.Backend
	peekEffects      // what a peek does here, and whether the question is out
	notice      bool // waiting for the user to accept what reading does
	planning    bool
	gen         int
	cancel      context.CancelFunc
	plan        *actions.RedrivePlan
	planned     time.Time
	err         error

	prompt *textinput.Model // --to, while typed
	offset int
}

func newRedrivePlan(c *common.Common, d dest, returnTo int) *redrivePlan {
	return &redrivePlan{Base: common.NewBase(KindRedrive, "redrive "+sanitize.Line(d.Name)), c: c, dest: d, returnTo: returnTo}
}

func (v *redrivePlan) Capturing() bool           { return v.prompt != nil }
func (v *redrivePlan) SetSize(width, height int) { v.Base.SetSize(width, height); v.scroll(0) }

func (v *redrivePlan) Status() string {
	s := v.c.Styles
	switch {
	case v.notice:
		return s.Warn.Render("waiting for y")
	case v.asking:
		return s.Accent.Render("asking what a peek does…")
	case v.planning:
		return s.Accent.Render("reading the letters…")
	case v.plan != nil:
		return s.Muted.Render("dry run · read " + v.planned.Format("15:04:05"))
	}
	return s.Muted.Render("dry run")
}

var (
	moveKey     = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "move…"))
	toKey       = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "target if no origin"))
	exchangeKey = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "original exchange"))
	replanKey   = key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "plan again"))
	serverKey   = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "server-side"))
)

// serverSideOK reports whether the broker can do this move itself: it has a shovel, the context allows
// it, and the plan sends every letter to one queue.
func (v *redrivePlan) serverSideOK() bool {
	if v.plan == nil || v.plan.Task != nil || !v.c.Session().Allows(actions.VerbServerMove) {
		return false // a broker with a move task of its own (SQS) uses it by itself where the plan fits it
	}
	_, err := actions.ServerSideTarget(*v.plan)
	return err == nil
}

func (v *redrivePlan) Keys() []key.Binding {
	switch {
	case v.prompt != nil:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "plan with it")), cancelKey}
	case v.notice:
		return []key.Binding{common.Relabel(v.c.Keys.Confirm, "read them anyway")}
	case v.asking || v.planning:
		return nil
	}
	keys := []key.Binding{}
	if v.plan != nil && v.plan.Moves() > 0 {
		keys = append(keys, moveKey)
	}
	keys = append(keys, toKey)
	if v.dest.Kind != backends.Topic {
		keys = append(keys, exchangeKey)
	}
	if v.serverSideOK() {
		keys = append(keys, serverKey)
	}
	return append(keys, replanKey)
}

// Start is the shell's: planning starts with the backend, once it is known what reading does.
func (v *redrivePlan) Start(b backends.Backend) tea.Cmd {
	v.b = b
	return v.proceed()
}

// Stop is the shell's: the plan is left, or the connection is gone.
func (v *redrivePlan) Stop() {
	if v.cancel != nil {
		v.cancel()
	}
	v.b, v.asking, v.planning = nil, false, false
	v.gen++ // what is still on its way is dropped
}

// proceed takes the next step: ask what a peek does, wait for the user's y, or plan.
func (v *redrivePlan) proceed() tea.Cmd {
	switch {
	case v.b == nil, v.asking, v.notice, v.planning:
		return nil
	case v.effects == nil:
		if v.c.Allows(actions.VerbAdvise) {
			v.asking, v.err = true, nil
			v.gen++
			return common.Go(v.ID(), askEffects(v.gen, v.b, v.dest.Name), v.onEffects)
		}
		v.effects = &backends.PeekEffects{}
	}
	if v.effects.Costly() && !v.c.PeekAcked[peekAckKey(v.c, v.dest)] {
		v.notice = true
		return nil
	}
	if v.plan != nil {
		return nil
	}
	return v.startPlan()
}

// startPlan reads the letters again with the current options.
func (v *redrivePlan) startPlan() tea.Cmd {
	if v.b == nil {
		return nil
	}
	if v.cancel != nil {
		v.cancel()
	}
	v.gen++
	v.planning, v.err = true, nil
	ctx, cancel := context.WithTimeout(context.Background(), peekTimeout)
	v.cancel = cancel
	gen, b, name, opts := v.gen, v.b, v.dest.Name, v.opts
	return common.Go(v.ID(), func() planResult {
		defer cancel()
		plan, err := actions.PlanRedrive(ctx, b, name, opts)
		return planResult{gen: gen, plan: plan, err: err}
	}, v.onPlan)
}

func (v *redrivePlan) onEffects(msg effectsResult) tea.Cmd {
	if !v.take(msg, v.gen, &v.err) {
		return nil
	}
	return v.proceed()
}

func (v *redrivePlan) onPlan(msg planResult) tea.Cmd {
	if msg.gen != v.gen || !v.planning {
		return nil
	}
	v.planning = false
	if msg.err != nil {
		v.err = msg.err
		return common.Flash(common.FlashError, "plan the redrive of "+sanitize.Line(v.dest.Name)+": "+common.ErrorLine(msg.err))
	}
	v.plan, v.planned, v.offset = &msg.plan, time.Now(), 0
	return nil
}

func (v *redrivePlan) Update(msg tea.KeyPressMsg) tea.Cmd {
	if v.prompt != nil {
		return v.promptKey(msg)
	}
	k := v.c.Keys
	switch {
	case v.notice:
		if key.Matches(msg, k.Confirm) {
			v.c.PeekAcked[peekAckKey(v.c, v.dest)] = true
			v.notice = false
			return v.proceed()
		}
	case v.asking || v.planning:
	case key.Matches(msg, moveKey):
		return v.review()
	case key.Matches(msg, toKey):
		in := form.NewTextInput(v.c, "send letters without an origin to: ")
		in.SetValue(v.opts.To)
		in.CursorEnd()
		in.SetWidth(max(v.Width-40, 10))
		v.prompt = &in
		return in.Focus()
	case key.Matches(msg, exchangeKey) && v.dest.Kind != backends.Topic:
		v.opts.UseOriginalExchange = !v.opts.UseOriginalExchange
		return v.replan()
	case key.Matches(msg, serverKey) && v.serverSideOK():
		v.opts.ServerSide = !v.opts.ServerSide
		v.plan.Options.ServerSide = v.opts.ServerSide // the same letters, the same target: no new plan
	case key.Matches(msg, replanKey):
		if v.effects == nil {
			return v.proceed()
		}
		return v.replan()
	case key.Matches(msg, k.Up):
		v.scroll(-1)
	case key.Matches(msg, k.Down):
		v.scroll(1)
	}
	return nil
}

func (v *redrivePlan) replan() tea.Cmd {
	v.plan = nil
	return v.startPlan()
}

func (v *redrivePlan) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		v.prompt = nil
		return nil
	case "enter":
		v.opts.To = strings.TrimSpace(v.prompt.Value())
		v.prompt = nil
		return v.replan()
	}
	var cmd tea.Cmd
	*v.prompt, cmd = v.prompt.Update(msg)
	return cmd
}

// Paste is the shell's: a pasted name goes into the --to prompt.
func (v *redrivePlan) Paste(msg tea.PasteMsg) tea.Cmd {
	if v.prompt == nil {
		return nil
	}
	var cmd tea.Cmd
	*v.prompt, cmd = v.prompt.Update(msg)
	return cmd
}

// review asks for the move, stating its exact scope.
func (v *redrivePlan) review() tea.Cmd {
	p := v.plan
	if p == nil {
		return nil
	}
	if p.Moves() == 0 {
		return common.Flash(common.FlashWarn, "no letter would move: "+nothingMoves(*p))
	}
	return common.Push(redriveConfirm(v.c, *p, v.dest, v.returnTo))
}

func nothingMoves(p actions.RedrivePlan) string {
	if p.Letters == 0 {
		return sanitize.Line(p.Source) + " holds no letters"
	}
	return "none of its letters has a target; t sets one for letters without an origin"
}

// targetTotal is the letters going to one target, over its partitions.
type targetTotal struct {
	label, via string
	letters    int64
}

// byTarget adds the plan's routes up per target, most letters first.
func byTarget(p actions.RedrivePlan) []targetTotal {
	var out []targetTotal
	for _, r := range p.Routes {
		label := r.Target.Label()
		i := slices.IndexFunc(out, func(t targetTotal) bool { return t.label == label && t.via == r.Via })
		if i < 0 {
			out = append(out, targetTotal{label: label, via: r.Via})
			i = len(out) - 1
		}
		out[i].letters += r.Letters
	}
	slices.SortStableFunc(out, func(a, b targetTotal) int { return cmp.Compare(b.letters, a.letters) })
	return out
}

// redriveConfirm states exactly what the move does: from where, to which targets, how many, what stays.
func redriveConfirm(c *common.Common, p actions.RedrivePlan, d dest, returnTo int) *confirm.Model {
	s := c.Styles
	src := sanitize.Line(p.Source)
	n := p.Moves()
	scope := []string{
		s.Text.Render(fmt.Sprintf("from %s (%s): %s letter%s read just now", src, d.Kind, present.Int(p.Letters), plural(p.Letters))),
		s.Text.Render(fmt.Sprintf("moves %s letter%s:", present.Int(n), plural(n))),
	}
	for _, t := range byTarget(p) {
		scope = append(scope, s.Text.Render(fmt.Sprintf("  → %-30s %8s", sanitize.Line(t.label), present.Int(t.letters)))+
			s.Muted.Render("  "+sanitize.Line(t.via)))
	}
	if k := p.Keeps(); k > 0 {
		scope = append(scope, s.Warn.Render(fmt.Sprintf("keeps %s letter%s in %s (no target: see the plan)", present.Int(k), plural(k), src)))
	}
	if p.Options.ServerSide {
		scope = append(scope, s.Text.Render("the broker's shovel plugin moves them (server-side), in parts that each end by themselves"))
	}
	scope = append(scope, s.Muted.Render(redriveKeeping(p.Source, d.Kind)))
	if byTask(p) {
		scope = append(scope, s.Text.Render("the broker's own move task moves them: what "+src+" holds when it starts, "+
			"letters arrived since this plan included"))
	} else {
		scope = append(scope, s.Muted.Render(fmt.Sprintf("at most the %s letters planned: letters arriving now wait for the next redrive",
			present.Int(p.Letters))))
	}
	verb := fmt.Sprintf("move %s letter%s", present.Int(n), plural(n))
	return confirm.New(c, "move the letters of "+src+" back", scope, verb, func() tea.Cmd {
		return common.PopToThen(returnTo, progress.New(c, redriveTask(c, p), returnTo))
	})
}

// redriveKeeping says what becomes of the letters in the source: a queue gives each up once its target has
// it; a Kafka topic keeps them, and the redrive's consumer group moves past them.
func redriveKeeping(source string, kind backends.DestinationKind) string {
	if kind == backends.Topic {
		return fmt.Sprintf("letters stay in %s: consumer group %s moves its offset past those copied (reset it to move them again)",
			sanitize.Line(source), sanitize.Line(backends.KafkaRedriveGroup(source)))
	}
	return "each letter is taken from " + sanitize.Line(source) + " only once its target confirmed it"
}

// redriveTask moves the letters the plan read (at most as many) with progress, then reports.
func redriveTask(c *common.Common, p actions.RedrivePlan) progress.Task {
	s := c.Styles
	src := sanitize.Line(p.Source)
	opts := moveOptions(p)
	var targets []string
	perLabel := map[string]int64{}
	for _, t := range byTarget(p) {
		perLabel[t.label] += t.letters
	}
	for _, label := range sortedTargets(perLabel) {
		targets = append(targets, fmt.Sprintf("%s (%s)", sanitize.Line(label), present.Int(perLabel[label])))
	}
	session, limit := c.Session(), int64(opts.Max)
	return progress.WithWork(progress.Task{
		Title: "redrive " + src,
		Verb:  "moved",
		Scope: []string{
			s.Label.Render("from  ") + s.Text.Render(src),
			s.Label.Render("to    ") + s.Text.Render(strings.Join(targets, ", ")),
		},
		Total:      limit,
		CancelNote: cancelNote(p, src),
	}, func(ctx context.Context, _ backends.Backend, report func(progress.Counts)) (actions.RedriveReport, error) {
		return session.RedriveConfirmed(ctx, p, opts, func(m backends.MoveProgress) {
			total := m.Total
			if total == 0 || total > limit {
				total = limit
			}
			report(progress.Counts{Done: m.Moved, Kept: m.Kept, Failed: m.Failed, Total: total, Waiting: m.Waiting})
		})
	}, func(r actions.RedriveReport, err error, cancelled bool) progress.Report {
		return redriveOutcome(c, src, r, err, cancelled)
	})
}

// byTask reports whether the plan's move would be the broker's own move task (SQS): the move takes it
// where the plan still fits the queue's count then (actions.Session.RedriveConfirmed).
func byTask(p actions.RedrivePlan) bool {
	return p.Task != nil && p.Task.Use && !p.Options.ServerSide
}

// cancelNote says what a cancel leaves behind.
func cancelNote(p actions.RedrivePlan, src string) string {
	if byTask(p) {
		return "the move task is cancelled; what it moved stays at its target, the rest stays in " + src
	}
	if p.Options.ServerSide {
		return "the broker finishes the part under way; every letter is either at its target or still in " + src
	}
	return "the batch in flight finishes; every letter is either at its target or still in " + src
}

// moveOptions are the plan's options for the move, which takes no more letters than the plan read: the
// scope confirmed. Letters that arrive meanwhile wait for the next redrive.
func moveOptions(p actions.RedrivePlan) actions.RedriveOptions {
	opts := p.Options
	if opts.Max == 0 || int64(opts.Max) > p.Letters {
		opts.Max = int(p.Letters)
	}
	return opts
}

// redriveOutcome is the report of a move: counts, letters moved per target, what stayed and why, the
// letters that stayed one by one (the first ones), and the warnings. Every name and reason is escaped.
func redriveOutcome(c *common.Common, src string, r actions.RedriveReport, err error, cancelled bool) progress.Report {
	s := c.Styles
	counts := &progress.Counts{Done: r.Moved, Kept: r.Kept, Failed: r.Failed}
	level, head := common.FlashInfo, "every letter moved"
	// A cancel the move ended without an error all the same (a server-side move's last part moves every
	// letter left) is no cancel: the outcome is the move's.
	switch ended := cancelledOrFailed(err, cancelled && err != nil); {
	case ended != "" && ended != "cancelled" && r.InDoubt > 0: // cut off: the counts first, the error below
		level, head = common.FlashError, "stopped: "+r.Stopped()
	case ended != "" && r.InDoubt > 0:
		level, head = common.FlashError, ended+": "+r.Stopped()
	case ended != "":
		level, head = common.FlashError, ended+": what moved is at its target, the rest is still in "+src
	case !r.Complete():
		level, head = common.FlashWarn, "done: some letters stayed in "+src
	}
	style := map[common.FlashLevel]func(...string) string{common.FlashInfo: s.OK.Render, common.FlashWarn: s.Warn.Render,
		common.FlashError: s.Error.Render}[level]
	// Every label is padded to the width of the longest ("in doubt"), so the figures share one column.
	label := func(name string) string { return s.Label.Render(fmt.Sprintf("%-9s", name)) }
	lines := []string{style(head), "",
		label("moved") + s.OK.Render(present.Int(r.Moved)),
		label("kept") + toned(s.Warn.Render, s.Text.Render, r.Kept)(present.Int(r.Kept)),
		label("failed") + toned(s.Error.Render, s.Text.Render, r.Failed)(present.Int(r.Failed)),
	}
	if r.InDoubt > 0 {
		lines = append(lines, label("in doubt")+s.Warn.Render(r.InDoubtFigure(present.Int)))
	}
	if len(r.PerTarget) > 0 {
		lines = append(lines, "", s.Table.Header.Render(fmt.Sprintf("%-40s %9s", "TARGET", "MOVED")))
		for _, t := range sortedTargets(r.PerTarget) {
			lines = append(lines, s.Text.Render(fmt.Sprintf("%-40s %9s", truncate(sanitize.Line(t), 40), present.Int(r.PerTarget[t]))))
		}
	}
	if len(r.Failures) > 0 {
		lines = append(lines, "", s.Table.Header.Render(fmt.Sprintf("LETTERS THAT STAYED (the first %d)", len(r.Failures))),
			s.Table.Header.Render(fmt.Sprintf("%5s %12s  %-24s %s", "PART", "OFFSET", "TARGET", "REASON")))
		for _, f := range r.Failures {
			lines = append(lines, s.Text.Render(fmt.Sprintf("%5d %12s  %-24s %s", f.Partition, present.Int(f.Offset),
				truncate(cmp.Or(sanitize.Line(f.Target), "–"), 24), sanitize.Line(redact.Text(f.Reason)))))
		}
	}
	for _, w := range r.Warnings {
		lines = append(lines, "", s.Warn.Render("! "+sanitize.Line(redact.Text(w))))
	}
	if cancelled {
		err = actions.StopTrouble(err) // what went wrong while it stopped, if anything
	}
	if err != nil {
		lines = append(lines, "", s.Error.Render(common.ErrorLine(err)))
	}
	flash := fmt.Sprintf("redrive %s: moved %s, kept %s, failed %s", src, present.Int(r.Moved), present.Int(r.Kept), present.Int(r.Failed))
	return progress.Report{Counts: counts, Lines: lines, Level: level, Flash: flash}
}

// toned styles a count: loud when it is not zero.
func toned(loud, quiet func(...string) string, n int64) func(...string) string {
	if n > 0 {
		return loud
	}
	return quiet
}

func sortedTargets(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) })
	return out
}

// planLines are the dry run as a table: per target (and partition) the letters going there and what
// named it; then the letters that stay, by reason.
func (v *redrivePlan) planLines() []string {
	s := v.c.Styles
	p := v.plan
	if p.Letters == 0 {
		return []string{s.Text.Render("nothing to move: no letter waits in " + sanitize.Line(p.Source)),
			s.Muted.Render("(where a redrive already took them, the next one starts after them)")}
	}
	// Sentences wrap to the screen, tables are cut: "nothing has moved" is the point, and was cut at 60 columns.
	lines := append(v.wrap(s.Text.Render(fmt.Sprintf("read %s letter%s of %s just now: %s would move, %s would stay; nothing has moved",
		present.Int(p.Letters), plural(p.Letters), sanitize.Line(p.Source), present.Int(p.Moves()), present.Int(p.Keeps())))), "")
	// The columns are as wide as what they hold, within reason, so that an exchange's label is read whole;
	// on a narrow screen VIA gives way and a long target is cut before LETTERS is.
	if len(p.Routes) > 0 {
		cols := []table.Column{{Title: "TARGET", Flex: true}, {Title: "PART", Align: table.Right},
			{Title: "VIA", Optional: 1}, {Title: "LETTERS", Align: table.Right}}
		rows := make([][]table.Cell, 0, len(p.Routes))
		for _, r := range p.Routes {
			part := "key"
			if r.Target.Partition != nil {
				part = strconv.Itoa(int(*r.Target.Partition))
			} else if r.Target.Exchange != nil || v.dest.Kind != backends.Topic {
				part = "–"
			}
			rows = append(rows, cellsOf(sanitize.Line(r.Target.Label()), part, sanitize.Line(r.Via), present.Int(r.Letters)))
		}
		laid := fitTable(cols, rows, map[int]int{0: 48, 2: 36}, v.Width)
		lines = append(lines, s.Table.Header.Render(laid[0]))
		for _, line := range laid[1:] {
			lines = append(lines, s.Text.Render(line))
		}
	}
	if len(p.Kept) > 0 {
		lines = append(lines, "", s.Table.Header.Render(fmt.Sprintf("%9s  %-24s %s", "STAY", "TARGET", "WHY")))
		const indent = 9 + 2 + 24 + 1
		for _, k := range p.Kept {
			// The reason is the point of the row: wrapped under its column, never cut.
			why := common.Wrap(sanitize.Line(k.Reason), max(v.Width-indent, 20))
			lines = append(lines, s.Warn.Render(fmt.Sprintf("%9s  %-24s %s", present.Int(k.Letters),
				truncate(cmp.Or(sanitize.Line(k.Target), "–"), 24), why[0])))
			for _, more := range why[1:] {
				lines = append(lines, s.Warn.Render(strings.Repeat(" ", indent)+more))
			}
		}
	}
	if n := p.Unresolved(); n > 0 && v.opts.To == "" {
		lines = append(lines, "")
		lines = append(lines, v.wrap(s.Muted.Render(fmt.Sprintf("%s letter%s name%s no origin: t sends them to a queue or topic you name",
			present.Int(n), plural(n), map[bool]string{true: "s", false: ""}[n == 1])))...)
	}
	for _, w := range p.Warnings {
		lines = append(lines, v.wrap(s.Warn.Render("! "+sanitize.Line(redact.Text(w))))...)
	}
	if line := p.TaskLine(); line != "" {
		style := s.Muted.Render
		if p.Task.Running() != nil {
			style = s.Warn.Render
		}
		lines = append(lines, "")
		lines = append(lines, v.wrap(style(sanitize.Line(redact.Text(line))))...)
	}
	return lines
}

// wrap breaks a sentence into lines as wide as the view.
func (v *redrivePlan) wrap(line string) []string {
	return common.Wrap(line, max(v.Width, 20))
}

// optionsLine says how the plan was made, and how to change it.
func (v *redrivePlan) optionsLine() string {
	s := v.c.Styles
	to := "none"
	if v.opts.To != "" {
		to = sanitize.Line(v.opts.To)
	}
	line := s.Label.Render("without an origin → ") + s.Text.Render(to) + s.Muted.Render(" (t)")
	if v.dest.Kind != backends.Topic {
		on := map[bool]string{true: "on", false: "off"}[v.opts.UseOriginalExchange]
		line += s.Muted.Render("   ") + s.Label.Render("original exchange ") + s.Text.Render(on) + s.Muted.Render(" (x)")
	}
	if v.serverSideOK() {
		on := map[bool]string{true: "on", false: "off"}[v.opts.ServerSide]
		line += s.Muted.Render("   ") + s.Label.Render("server-side ") + s.Text.Render(on) + s.Muted.Render(" (s)")
	}
	return line
}

func (v *redrivePlan) body() []string {
	s := v.c.Styles
	switch {
	case v.notice:
		return peekNotice(v.c, *v.effects, v.dest.Name, max(v.Width, 20), "read them and plan")
	case v.asking:
		return []string{s.Muted.Render("asking the broker what reading " + sanitize.Line(v.dest.Name) + " does…")}
	case v.planning:
		return []string{s.Muted.Render("reading the letters of " + sanitize.Line(v.dest.Name) + " to see where each goes…")}
	case v.err != nil:
		return []string{s.Error.Render(common.ErrorLine(v.err)), "", s.Muted.Render("p tries again")}
	case v.plan == nil && v.b == nil:
		return []string{s.Muted.Render("waiting for the connection…")}
	case v.plan == nil:
		return nil
	}
	return v.planLines()
}

func (v *redrivePlan) header() []string {
	s := v.c.Styles
	// The options wrap rather than lose their keys (server-side (s) came last, past 80 columns).
	lines := v.wrap(s.Text.Bold(true).Render("Redrive "+sanitize.Line(v.dest.Name)) + s.Muted.Render(" — dry run: where each letter would go"))
	return append(append(lines, v.wrap(v.optionsLine())...), "")
}

func (v *redrivePlan) room() int {
	h := v.Height - len(v.header())
	if v.prompt != nil {
		h--
	}
	return max(h, 1)
}

func (v *redrivePlan) scroll(delta int) {
	n := 0
	if v.plan != nil {
		n = len(v.planLines())
	}
	v.offset = min(max(v.offset+delta, 0), max(n-v.room(), 0))
}

func (v *redrivePlan) View() string {
	body := v.body()
	start := min(v.offset, len(body))
	body = body[start:min(start+v.room(), len(body))]
	lines := append(v.header(), body...)
	if v.prompt != nil {
		for len(lines) < v.Height-1 {
			lines = append(lines, "")
		}
		lines = append(lines, " "+v.prompt.View())
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(v.Width, 1), "…")
	}
	return strings.Join(lines, "\n")
}

// peekAckKey names d in the program context's record of accepted peek notices: the browser and the
// redrive plan ask once per destination between them.
func peekAckKey(c *common.Common, d dest) string { return c.Context.Name + "\x00" + d.ID() }

// peekNotice says what reading name does before it is read, for a y.
func peekNotice(c *common.Common, eff backends.PeekEffects, name string, width int, verb string) []string {
	s := c.Styles
	text := eff.Notice
	if text == "" {
		text = "Reading this queue takes each message and gives it back in its place: consumers will then see it marked redelivered."
	}
	lines := []string{s.Warn.Render("Reading " + sanitize.Line(name) + " is not free."), ""}
	lines = append(lines, common.Wrap(sanitize.Line(text), width)...)
	if eff.CountsDeliveries {
		limit := "This queue counts every delivery, reads included."
		if eff.DeliveryLimit > 0 {
			limit = fmt.Sprintf("Delivery limit: %d. Every read counts one delivery toward it.", eff.DeliveryLimit)
		}
		lines = append(lines, "", limit)
	}
	return append(lines, "", s.Accent.Render("y")+s.Muted.Render(" "+verb+"   ")+s.Accent.Render("esc")+s.Muted.Render(" go back"))
}

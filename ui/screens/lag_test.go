package screens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/chart"
)

// lagScript plays snapshots to a lag view, the way the shell hands over what its fetches return: the
// groups are made up, the tracker that judges them is the real one.
type lagScript struct {
	t   *testing.T
	c   *common.Common
	v   *lagView
	now time.Time
	end int64 // every partition's log end grows by 100 a snapshot
}

func newLagScript(t *testing.T, width, height int) *lagScript {
	c := common.New(config.Context{Name: "test"})
	v := NewLag(c).(*lagView)
	v.SetSize(width, height)
	return &lagScript{t: t, c: c, v: v, now: at}
}

// lagGroup is a group in a scripted snapshot: its members and, per partition of "orders", how far behind
// the log end it has committed.
type lagGroup struct {
	name    string
	members int
	behind  []int64 // -1: commits nothing ever
	frozen  bool    // the committed offset stays where the first snapshot put it
}

func (s *lagScript) snapshot(groups ...lagGroup) backends.LagSnapshot {
	s.end += 100
	s.now = s.now.Add(2 * time.Second)
	snap := backends.LagSnapshot{At: s.now, Requests: 4}
	for _, g := range groups {
		gl := backends.GroupLag{Group: g.name, State: "Empty"}
		for i := range g.members {
			gl.State = "Stable"
			gl.Members = append(gl.Members, backends.GroupMember{ID: "m", ClientID: "client-" + string(rune('a'+i))})
		}
		for p, behind := range g.behind {
			committed := s.end - behind
			if g.frozen {
				committed = 100 - behind
			}
			if behind < 0 {
				committed = -1
			}
			pl := backends.PartitionLag{Topic: "orders", Partition: int32(p), Committed: committed, End: s.end,
				Lag: s.end - max(committed, 0)}
			if g.members > 0 {
				pl.Member = "client-a"
			}
			gl.Partitions = append(gl.Partitions, pl)
		}
		snap.Groups = append(snap.Groups, gl)
	}
	return snap
}

// play hands n snapshots of the same groups to the view.
func (s *lagScript) play(n int, groups ...lagGroup) {
	for range n {
		setData(s.t, s.v, s.snapshot(groups...), s.now)
	}
}

func (s *lagScript) screen() string { return ansi.Strip(s.v.View()) }

// groupRows are the group names in the order the table draws them.
func groupRows(screen string) []string {
	var names []string
	for _, line := range strings.Split(screen, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) == 0 || strings.ContainsAny(f[0], "│┤└") || !strings.Contains(line, "  ") {
			break
		}
		names = append(names, f[0])
	}
	return names
}

var scriptGroups = []lagGroup{
	{name: "caught-up", members: 1, behind: []int64{0, 0}},
	{name: "stopped", members: 0, behind: []int64{40, 10}, frozen: true}, // no members, lag grows: STOP
	{name: "stalled", members: 1, behind: []int64{5, 5}, frozen: true},   // live, never moves: STALL
	{name: "slow", members: 1, behind: []int64{30, 1}},                   // moves, never catches up: WARN
}

func TestLagRowsVerdictsAndDefaultOrder(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(1, scriptGroups...)
	first := s.screen()
	// After one snapshot lag in seconds is unknown (-), except where the group is at the log end.
	if strings.Count(" "+strings.Join(strings.Fields(first), " ")+" ", " - ") != 3 || !contains(strings.Fields(lineOf(first, "caught-up")), "0s") {
		t.Fatalf("after one snapshot:\n%s", first)
	}
	s.play(4, scriptGroups...)
	screen := s.screen()
	// Worst verdict first, then furthest behind in time: the stopped group has waited longest.
	want := []string{"stopped", "stalled", "slow", "caught-up"}
	if got := groupRows(screen); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("order %v, want %v:\n%s", got, want, screen)
	}
	if !strings.Contains(screen, "STATUS ▼") {
		t.Fatalf("the default sort is the status column, worst first:\n%s", screen)
	}
	for name, status := range map[string]string{"stopped": "ERR", "stalled": "ERR", "slow": "WARN", "caught-up": "OK"} {
		if f := strings.Fields(lineOf(screen, name)); !contains(f, status) {
			t.Errorf("%s should be %s: %v", name, status, f)
		}
	}
	if f := strings.Fields(lineOf(screen, "stopped")); !contains(f, "850") || !contains(f, "Empty") || !contains(f, "0") {
		t.Errorf("stopped: committed 60 and 90, the log end at 500 on both: lag 850: %v", f)
	}
}

func TestLagVerdictColours(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(5, scriptGroups...)
	s.v.Table().Bottom() // the cursor row is drawn in selection colours: keep it off the rows checked
	raw := s.v.View()
	st := s.c.Styles
	for word, style := range map[string]string{
		"ERR":  st.Error.Render("x"),
		"WARN": st.Warn.Render("x"),
	} {
		if got := sgrBefore(raw, word); got != sgrPrefix(style) {
			t.Errorf("%s drawn with %q, want %q", word, got, sgrPrefix(style))
		}
	}
	if got := sgrBefore(raw, "WARN"); got == sgrBefore(raw, "ERR") {
		t.Error("WARN and ERR must not look the same")
	}
}

// sgrPrefix is the escape sequence a style starts its text with.
func sgrPrefix(rendered string) string { return rendered[:strings.Index(rendered, "x")] }

// sgrBefore is the last escape sequence before the first occurrence of word in raw.
func sgrBefore(raw, word string) string {
	i := strings.Index(raw, word)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(raw[:i], "\x1b[")
	end := start + strings.IndexByte(raw[start:], 'm') + 1
	return raw[start:end]
}

func TestLagSparklineAndChart(t *testing.T) {
	s := newLagScript(t, 100, 30)
	g := lagGroup{name: "slow", members: 1, behind: []int64{30, 1}}
	s.play(6, g)
	report, _ := s.v.s.group("slow")
	if len(report.History) != 6 {
		t.Fatalf("history of six snapshots, got %v", report.History)
	}
	screen := s.screen()
	if spark := chart.Sparkline(report.History, sparkWidth); !strings.Contains(lineOf(screen, "slow"), strings.TrimSpace(spark)) {
		t.Fatalf("the row should carry the sparkline %q:\n%s", spark, screen)
	}
	peak := report.History[len(report.History)-1]
	for _, want := range []string{"slow  total lag over the last 10s · now " + present.Int(peak), "└──", compactInt(peak) + " ┤"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("chart lacks %q:\n%s", want, screen)
		}
	}
	if lines := strings.Split(screen, "\n"); len(lines) != 30 {
		t.Fatalf("the view should fill its 30 lines, has %d", len(lines))
	}
	short := newLagScript(t, 100, 10)
	short.play(3, g)
	if strings.Contains(short.screen(), "└") {
		t.Fatalf("a short body keeps its lines for the table:\n%s", short.screen())
	}
}

func TestLagSortByLagAndLagTime(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(5, scriptGroups...)
	for range 5 { // TREND cannot sort, so: GROUP, STATE, MEMBERS, PARTITIONS, LAG
		s.v.Update(press("s"))
	}
	screen := s.screen()
	if !strings.Contains(screen, "LAG ▼") {
		t.Fatalf("five presses of s sort by lag:\n%s", screen)
	}
	if got := groupRows(screen); strings.Join(got, " ") != "stopped stalled slow caught-up" {
		t.Fatalf("by lag, most first: %v\n%s", got, screen)
	}
	s.v.Update(press("s"))
	if screen = s.screen(); !strings.Contains(screen, "MAX-LAG ▼") || groupRows(screen)[0] != "stopped" {
		t.Fatalf("then by the most any partition lags:\n%s", screen)
	}
	s.v.Update(press("s"))
	if screen = s.screen(); !strings.Contains(screen, "LAG-TIME ▼") || groupRows(screen)[0] != "stopped" {
		t.Fatalf("then by lag time:\n%s", screen)
	}
	s.v.Update(press("S"))
	if got := groupRows(s.screen()); got[0] != "caught-up" {
		t.Fatalf("reversed, the least behind first: %v", got)
	}
}

func TestLagDrillDownSharesTheTracker(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(3, scriptGroups...)
	for groupRows(s.screen())[s.v.Table().Cursor()] != "slow" {
		s.v.Update(press("down"))
	}
	cmd := s.v.Update(press("enter"))
	push, ok := cmd().(common.PushMsg)
	if !ok {
		t.Fatal("enter on a group should open its partitions")
	}
	parts := push.View.(*lagPartitions)
	parts.SetSize(120, 30)
	screen := ansi.Strip(parts.View())
	if parts.Title() != "slow" || !strings.Contains(screen, "COMMITTED") || !strings.Contains(screen, "client-a") {
		t.Fatalf("partitions of slow:\n%s", screen)
	}
	if f := strings.Fields(lineOf(screen, "orders  ")); len(f) < 7 || f[0] != "slow" || f[2] != "0" || f[3] != "270" || f[4] != "300" || f[5] != "30" {
		t.Fatalf("orders[0]: committed 270 of 300, lag 30: %v", f)
	}
	// The partitions view fetches too; what it fetches feeds the one tracker, so the lag view behind it
	// carries on with whole histories.
	setData(t, parts, s.snapshot(scriptGroups...), s.now)
	if g, _ := s.v.s.group("slow"); len(g.History) != 4 {
		t.Fatalf("the snapshot the partitions view fetched should reach the shared tracker: %v", g.History)
	}
	if parts.Load() == nil {
		t.Fatal("the partitions view refreshes")
	}
	// A group that disappears is said to be gone, and its last rows stay.
	setData(t, parts, s.snapshot(scriptGroups[0]), s.now)
	if !strings.Contains(ansi.Strip(parts.Status()), "no longer listed") || !strings.Contains(ansi.Strip(parts.View()), "orders") {
		t.Fatalf("gone group: %s\n%s", ansi.Strip(parts.Status()), ansi.Strip(parts.View()))
	}
}

func TestNothingCommittedShowsADash(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(2, lagGroup{name: "fresh", members: 1, behind: []int64{-1}})
	parts := newLagPartitions(s.c, s.v.s, "fresh")
	parts.SetSize(120, 20)
	if f := strings.Fields(lineOf(ansi.Strip(parts.View()), "orders  ")); f[3] != "-" {
		t.Fatalf("no commit shows -: %v", f)
	}
}

// A group with no partitions, and one that committed nothing, have no verdict: their STATUS reads -,
// never OK (there is no evidence they are), and they sort below the judged groups.
func TestLagGroupWithNoOffsetsHasNoVerdict(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(5, lagGroup{name: "empty"}, lagGroup{name: "fresh", members: 1, behind: []int64{-1}},
		lagGroup{name: "caught-up", members: 1, behind: []int64{0}})
	screen := s.screen()
	for _, name := range []string{"empty", "fresh"} {
		if f := strings.Fields(lineOf(screen, name)); contains(f, "OK") || f[7] != "-" {
			t.Errorf("%s: want STATUS -: %v\n%s", name, f, screen)
		}
	}
	if rows := groupRows(screen); len(rows) != 3 || rows[0] != "caught-up" {
		t.Errorf("worst first puts the judged group above those without a verdict: %v", rows)
	}
}

func TestFormatAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 300 * time.Millisecond: "<1s", 45 * time.Second: "45s", 192 * time.Second: "3m12s",
		2*time.Hour + 5*time.Minute: "2h05m", 76 * time.Hour: "3d04h",
	} {
		if got := formatAge(d); got != want {
			t.Errorf("formatAge(%v) = %q, want %q", d, got, want)
		}
	}
	if present.Seconds(nil) != "-" {
		t.Error("unknown lag in seconds is a dash")
	}
	for n, want := range map[int64]string{999: "999", 9_999: "9,999", 12_345: "12.3k", 123_456: "123k", 1_234_567: "1.2M"} {
		if got := compactInt(n); got != want {
			t.Errorf("compactInt(%d) = %q, want %q", n, got, want)
		}
	}
}

// connectTo hands c a session on b, as the shell does once connected.
func connectTo(c *common.Common, b backends.Backend, readOnly bool) {
	s := actions.NewSession(b, config.Context{Name: c.Context.Name, ReadOnly: readOnly})
	c.Connected = func() *actions.Session { return s }
}

// capable stands for a broker with the lag capabilities, so that the views can be seen offering their
// keys. The views never call it: these tests hand over data themselves.
type capable struct{}

func (capable) Identity(context.Context) (backends.Identity, error) { return backends.Identity{}, nil }
func (capable) Close() error                                        { return nil }
func (capable) Peek(context.Context, backends.PeekRequest, func(backends.Message) error) error {
	return errNotHere
}
func (capable) PartitionBounds(context.Context, string, []int32) ([]backends.PartitionBounds, error) {
	return nil, errNotHere
}
func (capable) OffsetsForTime(context.Context, string, []int32, time.Time) (map[int32]int64, error) {
	return nil, errNotHere
}
func (capable) CommitOffsets(context.Context, string, map[backends.TopicPartition]int64) error {
	return errNotHere
}
func (capable) LagSnapshot(context.Context, []string) (backends.LagSnapshot, error) {
	return backends.LagSnapshot{}, errNotHere
}
func (capable) Purge(context.Context, string) (int64, error)            { return 0, errNotHere }
func (capable) Truncate(context.Context, string, map[int32]int64) error { return errNotHere }

var errNotHere = errors.New("not called in view tests")

func keyNames(v common.View) string {
	var names []string
	for _, b := range v.Keys() {
		names = append(names, b.Help().Key)
	}
	return strings.Join(names, " ")
}

func TestReadOnlyOffersNoResets(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(2, scriptGroups...)
	parts := newLagPartitions(s.c, s.v.s, "slow")
	if k := keyNames(parts); strings.Contains(k, "R") || strings.Contains(k, "x") {
		t.Fatalf("a backend that can neither peek nor reset offers neither: %s", k)
	}
	connectTo(s.c, capable{}, false)
	if k := keyNames(parts); !strings.Contains(k, "R") || !strings.Contains(k, "x") {
		t.Fatalf("a capable backend offers exact lag and resets: %s", k)
	}
	connectTo(s.c, s.c.Backend(), true)
	if k := keyNames(parts); strings.Contains(k, "R") || !strings.Contains(k, "x") {
		t.Fatalf("read-only offers exact lag (a read) but no reset: %s", k)
	}
	if cmd := parts.Update(press("R")); cmd != nil {
		t.Fatal("R does nothing in a read-only context")
	}
}

func lineOf(screen, s string) string {
	for _, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

func contains(fields []string, s string) bool {
	for _, f := range fields {
		if f == s {
			return true
		}
	}
	return false
}

// Enter on a partition opens its messages from where the group will read next.
func TestPartitionOpensMessagesAtTheCommittedOffset(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(2, scriptGroups...)
	parts := newLagPartitions(s.c, s.v.s, "slow")
	parts.SetSize(120, 30)
	if cmd := parts.Update(press("enter")); cmd != nil {
		t.Fatal("without a backend that can peek, enter opens nothing")
	}
	connectTo(s.c, capable{}, false)
	push, ok := parts.Update(press("enter"))().(common.PushMsg)
	if !ok {
		t.Fatal("enter should open the messages")
	}
	b, ok := push.View.(*browser)
	if !ok || b.Kind() != KindMessages || b.Title() != "orders" {
		t.Fatalf("opened %T %q", push.View, push.View.Title())
	}
	// slow commits 30 behind a log end of 200 on partition 0.
	if b.from != (backends.Position{Kind: backends.AtOffset, Offset: 170}) || len(b.partitions) != 1 || b.partitions[0] != 0 {
		t.Fatalf("browser starts at %+v on %v; want offset 170 of partition 0", b.from, b.partitions)
	}
}

// One refresh of the lag view at the benchmark size, 200 groups over 2,000 topics × 4
// partitions (40 each): judging the snapshot (in the fetch, off the UI goroutine), then on the UI
// goroutine taking the report, re-sorting and drawing the screen.
func BenchmarkLagRefresh(b *testing.B) {
	snaps := make([]backends.LagSnapshot, 4)
	for n := range snaps {
		snaps[n] = benchSnapshot(n)
	}
	b.Run("judge", func(b *testing.B) {
		s := newLagSession(nil)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			snap := snaps[i%len(snaps)]
			snap.At = at.Add(time.Duration(i) * 2 * time.Second)
			s.judge(snap)
		}
	})
	b.Run("show", func(b *testing.B) {
		v := NewLag(common.New(config.Context{Name: "bench"})).(*lagView)
		v.SetSize(160, 48)
		reports := make([]actions.LagReport, len(snaps))
		for i, snap := range snaps {
			reports[i] = v.s.judge(snap)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			v.s.show(reports[i%len(reports)])
			v.sync()
			_ = v.View()
		}
	})
}

func benchSnapshot(n int) backends.LagSnapshot {
	s := backends.LagSnapshot{At: at.Add(time.Duration(n) * 2 * time.Second)}
	for g := range 200 {
		gl := backends.GroupLag{Group: fmt.Sprintf("group-%03d", g), State: "Stable",
			Members: []backends.GroupMember{{ID: "m", ClientID: "c"}}}
		for t := range 10 {
			for p := range 4 {
				end := int64(1000 + 10*n + p)
				committed := end - int64((g*7+t*3+p)%50)
				gl.Partitions = append(gl.Partitions, backends.PartitionLag{Topic: fmt.Sprintf("topic-%04d", g*10+t),
					Partition: int32(p), Committed: committed, End: end, Lag: end - committed, Member: "c"})
			}
		}
		s.Groups = append(s.Groups, gl)
	}
	return s
}

// Group, topic and member names come from the broker: they reach the screen escaped.
func TestLagNamesAreEscaped(t *testing.T) {
	s := newLagScript(t, 120, 30)
	snap := s.snapshot(lagGroup{name: "evil\x1b]0;owned\x07", members: 1, behind: []int64{5}})
	snap.Groups[0].Partitions[0].Topic = "t\x1b[31mred"
	snap.Groups[0].Partitions[0].Member = "m\u202eevil"
	setData(s.t, s.v, snap, s.now)
	parts := newLagPartitions(s.c, s.v.s, snap.Groups[0].Group)
	parts.SetSize(120, 30)
	for _, screen := range []string{s.v.View(), parts.View(), parts.Title()} {
		if strings.ContainsAny(screen, "\x07\u202e") || strings.Contains(ansi.Strip(screen), "\x1b") {
			t.Fatalf("raw control text reached the screen: %q", screen)
		}
	}
	if !strings.Contains(ansi.Strip(parts.View()), `t\e[31mred`) || !strings.Contains(ansi.Strip(s.v.View()), `evil\e]0;owned\x07`) {
		t.Fatalf("names should show escaped:\n%s\n%s", ansi.Strip(s.v.View()), ansi.Strip(parts.View()))
	}
}

// The lag table decides its columns from the width it has now: narrowed, it leaves out what does not fit;
// widened again, it puts back what does. The wide TREND going used to take the narrow STATE and MAX-LAG
// with it, and "+5 cols" stayed beside a GROUP column of 36 cells.
func TestLagColumnsComeBackWhenTheyFit(t *testing.T) {
	s := newLagScript(t, 120, 30)
	s.play(6, scriptGroups...)
	for _, step := range []struct {
		width int
		shown []string
		more  string
	}{
		{120, []string{"STATE", "MEMBERS", "PARTITIONS", "MAX-LAG", "TREND"}, ""},
		{40, nil, "+5 cols"},
		{60, []string{"STATE", "MAX-LAG"}, "+3 cols"},
		{120, []string{"STATE", "MEMBERS", "PARTITIONS", "MAX-LAG", "TREND"}, ""},
	} {
		s.v.SetSize(step.width, 30)
		head := strings.Fields(strings.SplitN(s.screen(), "\n", 2)[0])
		for _, col := range step.shown {
			if !contains(head, col) {
				t.Errorf("width %d: %s fits but is not shown: %v", step.width, col, head)
			}
		}
		status := ansi.Strip(s.v.Status())
		if step.more != "" && !strings.Contains(status, step.more) || step.more == "" && strings.Contains(status, " col") {
			t.Errorf("width %d: status %q, want %q", step.width, status, step.more)
		}
	}
}

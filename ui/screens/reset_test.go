package screens

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/confirm"
)

func resetGroup(state string, members int) groupReport {
	g := groupReport{Group: "billing", State: state}
	for range members {
		g.Members = append(g.Members, backends.GroupMember{ID: "m"})
	}
	for _, tp := range []backends.TopicPartition{{Topic: "orders", Partition: 0}, {Topic: "orders", Partition: 1}, {Topic: "payments", Partition: 0}} {
		g.Partitions = append(g.Partitions, partitionReport{PartitionLag: backends.PartitionLag{Topic: tp.Topic, Partition: tp.Partition}})
	}
	return g
}

func newForm(t *testing.T, g groupReport) *resetForm {
	t.Helper()
	c := common.New(config.Context{Name: "test"})
	f := newResetForm(c, g, g.Partitions[1], 42)
	f.SetSize(120, 20)
	return f
}

func typeText(v common.View, text string) {
	for _, r := range text {
		v.Update(press(string(r)))
	}
}

func TestResetFormScopesAndTarget(t *testing.T) {
	f := newForm(t, resetGroup("Empty", 0))
	if !f.Capturing() {
		t.Fatal("the form takes every key: targets have colons")
	}
	screen := ansi.Strip(f.View())
	if !strings.Contains(screen, "orders[1] only") || !strings.Contains(screen, "tab: 1 of 3") {
		t.Fatalf("the form starts on the selected partition:\n%s", screen)
	}
	if got := topicSpecs(f.scopes[0]); strings.Join(got, " ") != "orders:1" {
		t.Fatalf("partition scope: %v", got)
	}
	f.Update(tea.KeyPressMsg{Code: tea.KeyTab})
	if got := topicSpecs(f.scopes[f.scope]); strings.Join(got, " ") != "orders" {
		t.Fatalf("topic scope: %v", got)
	}
	f.Update(tea.KeyPressMsg{Code: tea.KeyTab})
	if got := topicSpecs(f.scopes[f.scope]); strings.Join(got, " ") != "orders payments" {
		t.Fatalf("every topic of the group: %v", got)
	}
	f.Update(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	if f.scope != 1 {
		t.Fatalf("shift+tab goes back: %d", f.scope)
	}

	// A target that does not parse is answered at once, without asking the broker.
	typeText(f, "shift:x")
	if cmd := f.Update(press("enter")); cmd != nil || !strings.Contains(ansi.Strip(f.View()), `reset target "shift:x"`) {
		t.Fatalf("a bad target should be refused on the form:\n%s", ansi.Strip(f.View()))
	}
	for range len("shift:x") {
		f.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	typeText(f, "shift:-5")
	if f.target() != "shift:-5" {
		t.Fatalf("typed target: %q", f.target())
	}
	cmd := f.Update(press("enter"))
	if _, ok := cmd().(common.TaskMsg); !ok || !f.planning {
		t.Fatal("enter plans, through the shell")
	}
	if f.Update(press("enter")) != nil {
		t.Fatal("a second enter while planning does nothing")
	}
	if _, ok := f.Update(tea.KeyPressMsg{Code: tea.KeyEscape})().(common.PopMsg); !ok {
		t.Fatal("esc closes the form")
	}
}

func TestResetFormWarnsOfAnActiveGroup(t *testing.T) {
	if s := ansi.Strip(newForm(t, resetGroup("Stable", 2)).View()); !strings.Contains(s, "billing is Stable with 2 member(s)") {
		t.Fatalf("the form says up front that an active group will be refused:\n%s", s)
	}
	if s := ansi.Strip(newForm(t, resetGroup("Empty", 0)).View()); strings.Contains(s, "stop its consumers") {
		t.Fatalf("an inactive group gets no warning:\n%s", s)
	}
}

func somePlan(state string, members int) []actions.ResetPlan {
	return []actions.ResetPlan{{Group: "billing", State: state, Members: members, Topic: "orders",
		Target: actions.ResetTarget{Kind: actions.ResetOffset, Offset: 5000}, At: at,
		Partitions: []actions.PartitionReset{
			{Partition: 0, Start: 0, End: 1200, Current: 1080, New: 1200, Warning: "5000 is past the log end; set to 1200"},
			{Partition: 1, Start: 100, End: 900, Current: -1, New: 900, Warning: "5000 is past the log end; set to 900"},
		}}}
}

// The dry run shows old → new per partition with the clamping warnings; y is offered only for an
// inactive group, and runs the execution once.
func TestResetDryRunAndConfirm(t *testing.T) {
	f := newForm(t, resetGroup("Empty", 0))
	f.planning = true
	push, ok := f.planned(somePlan("Empty", 0), nil)().(common.PushMsg)
	if !ok || f.planning {
		t.Fatal("a plan opens the dry run")
	}
	d := push.View.(*confirm.Model)
	d.SetSize(120, 20)
	screen := ansi.Strip(d.View())
	for _, want := range []string{"reset billing to 5000?", "COMMITTED  →    NEW  CHANGE", "1,080  →  1,200    +120",
		"–  →    900", "! 5000 is past the log end; set to 1200", "y commit 2 offsets for billing"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("dry run lacks %q:\n%s", want, screen)
		}
	}
	msgs := batchMsgs(d.Update(press("y")))
	if len(msgs) != 2 {
		t.Fatalf("y closes the dialogs and runs the reset: %v", msgs)
	}
	if pop, ok := msgs[0].(common.PopMsg); !ok || pop.To != 42 {
		t.Fatalf("back to the partitions view: %#v", msgs[0])
	}
	if _, ok := msgs[1].(common.TaskMsg); !ok {
		t.Fatalf("the reset runs through the shell: %#v", msgs[1])
	}
	if d.Update(press("y")) != nil {
		t.Fatal("a second y does nothing")
	}

	// An active group: the same dry run, with the planner's refusal where the y was.
	refused := f.planned(somePlan("Stable", 1), nil)().(common.PushMsg).View.(*confirm.Model)
	refused.SetSize(120, 20)
	screen = ansi.Strip(refused.View())
	if !strings.Contains(screen, "group billing is Stable with 1 member; stop its consumers first") || strings.Contains(screen, "y commit") {
		t.Fatalf("refusal:\n%s", screen)
	}
	if refused.Update(press("y")) != nil || strings.Contains(keyNames(refused), "y") {
		t.Fatal("y is neither offered nor active for an active group")
	}
}

func batchMsgs(cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			out = append(out, c())
		}
	default:
		out = append(out, msg)
	}
	return out
}

// The dry run fits the screen: at 80 columns every column shows (it was 95 cells wide and lost CHANGE), and
// at 60 the log range gives way before where the group goes; no line is wider than the screen.
func TestResetDryRunFitsNarrowScreens(t *testing.T) {
	plans := somePlan("Empty", 0)
	plans[0].Topic = "inventory-events.v2"
	plans[0].Partitions[0].Start, plans[0].Partitions[0].End, plans[0].Partitions[0].Current = 1_000_000, 12_345_678, 12_000_000
	plans[0].Partitions[0].New = 12_345_678
	for _, tc := range []struct {
		width int
		want  []string
		gone  []string
	}{
		{80, []string{"TOPIC", "PART", "START", "END", "COMMITTED", "NEW", "CHANGE", "12,000,000  →  12,345,678", "+345,678"}, nil},
		{60, []string{"TOPIC", "PART", "COMMITTED", "NEW", "12,000,000  →  12,345,678"}, []string{"START"}},
	} {
		f := newForm(t, resetGroup("Empty", 0))
		d := f.planned(plans, nil)().(common.PushMsg).View.(*confirm.Model)
		d.SetSize(tc.width-2, 20) // the body's size: the screen less its margins
		screen := ansi.Strip(d.View())
		for _, want := range tc.want {
			if !strings.Contains(screen, want) {
				t.Errorf("%d columns: dry run lacks %q:\n%s", tc.width, want, screen)
			}
		}
		for _, gone := range tc.gone {
			if strings.Contains(screen, gone) {
				t.Errorf("%d columns: %q should have given way:\n%s", tc.width, gone, screen)
			}
		}
		for _, line := range strings.Split(screen, "\n") {
			if w := ansi.StringWidth(line); w > tc.width-2 {
				t.Errorf("%d columns: a line is %d cells: %q", tc.width, w, line)
			}
		}
	}
}

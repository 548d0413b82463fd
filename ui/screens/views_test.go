package screens

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
	"github.com/mqscope/mqscope/ui/uitest"
)

var at = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// setData hands v what the broker would answer, fetched at the given time, through v's own load.
func setData(t testing.TB, v common.View, data any, when time.Time) {
	t.Helper()
	apply, err := uitest.Load(v, data)
	if err != nil {
		t.Fatal(err)
	}
	apply(when)
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func newDests(t *testing.T, width, height int, data []backends.Destination) *list.Model[dest] {
	t.Helper()
	return newDestsOn(t, common.New(config.Context{Name: "test"}), width, height, data)
}

// newDestsOn is newDests on the program context c.
func newDestsOn(t *testing.T, c *common.Common, width, height int, data []backends.Destination) *list.Model[dest] {
	t.Helper()
	l := NewDestinations(c, "topics").(*list.Model[dest])
	l.SetSize(width, height)
	setData(t, l, data, at)
	return l
}

// rows returns the names in the order the view draws them.
func rows(l *list.Model[dest]) []string {
	lines := strings.Split(ansi.Strip(l.View()), "\n")[1:]
	names := make([]string, len(lines))
	for i, line := range lines {
		names[i] = strings.Fields(line)[0]
	}
	return names
}

func topics() []backends.Destination {
	return []backends.Destination{
		{Name: "orders", Kind: backends.Topic, Partitions: 6, ReplicationFactor: 3, Messages: 500},
		{Name: "payments", Kind: backends.Topic, Partitions: 3, ReplicationFactor: 3, Messages: 9000, UnderReplicated: 1},
		{Name: "audit", Kind: backends.Topic, Partitions: 12, ReplicationFactor: 1, Messages: 20},
		{Name: "orders-dlt", Kind: backends.Topic, Partitions: 6, ReplicationFactor: 3, Messages: 7},
	}
}

func TestSortCyclesColumnsAndReverses(t *testing.T) {
	l := newDests(t, 100, 10, topics())
	if got := rows(l); strings.Join(got, " ") != "audit orders orders-dlt payments" {
		t.Fatalf("default order is by name: %v", got)
	}
	if !strings.Contains(ansi.Strip(l.View()), "NAME ▲") {
		t.Fatalf("the sort column should carry ▲:\n%s", ansi.Strip(l.View()))
	}
	l.Update(press("s")) // KIND: every one a topic, so by name
	if got := rows(l); strings.Join(got, " ") != "audit orders orders-dlt payments" {
		t.Fatalf("by kind: %v", got)
	}
	l.Update(press("s")) // PARTITIONS, biggest first; ties by name
	if got := rows(l); strings.Join(got, " ") != "audit orders orders-dlt payments" {
		t.Fatalf("by partitions desc: %v", got)
	}
	if !strings.Contains(ansi.Strip(l.View()), "PARTITIONS ▼") {
		t.Fatalf("PARTITIONS should carry ▼:\n%s", ansi.Strip(l.View()))
	}
	l.Update(press("S")) // reversed: fewest partitions first
	if got := rows(l); got[0] != "payments" || got[3] != "audit" {
		t.Fatalf("by partitions asc: %v", got)
	}
	for range 4 { // RF, UNDER-REPL, OFFLINE, MESSAGES
		l.Update(press("s"))
	}
	if got := rows(l); strings.Join(got, " ") != "payments orders audit orders-dlt" {
		t.Fatalf("by messages desc: %v", got)
	}
	for range 1 { // back round to NAME
		l.Update(press("s"))
	}
	if got := rows(l); got[0] != "audit" {
		t.Fatalf("the sort should wrap round to NAME: %v", got)
	}
}

// Columns come from which fields the data fills, never from the broker's name.
func TestColumnsFollowTheData(t *testing.T) {
	kafka := ansi.Strip(newDests(t, 160, 10, topics()).View())
	header := strings.Fields(strings.Split(kafka, "\n")[0])
	if strings.Join(header, " ") != "NAME ▲ KIND PARTITIONS RF UNDER-REPL OFFLINE MESSAGES" {
		t.Fatalf("topic columns: %v", header)
	}

	rate := 12.5
	queues := []backends.Destination{
		{Name: "jobs", Kind: backends.Queue, Type: "quorum", Vhost: "/", Messages: 30, Ready: 20, Unacked: 10,
			Consumers: 2, PublishRate: &rate, DeadLetter: &backends.DeadLetterConfig{Exchange: "dlx", FromPolicy: true}},
		{Name: "jobs.dlq", Kind: backends.Queue, Type: "classic", Vhost: "/"},
	}
	l := newDests(t, 160, 10, queues)
	rabbit := ansi.Strip(l.View())
	header = strings.Fields(strings.Split(rabbit, "\n")[0])
	// A queue has rates, known or not (-); no partitions. The data says which: never the broker's name.
	want := "NAME ▲ VHOST KIND TYPE MESSAGES READY UNACKED CONSUMERS PUBLISH/S DELIVER/S DEAD-LETTER"
	if strings.Join(header, " ") != want {
		t.Fatalf("queue columns:\n got %v\nwant %s", header, want)
	}
	for _, cell := range []string{"quorum", "12.5", "dlx (policy)", " - "} {
		if !strings.Contains(rabbit, cell) {
			t.Errorf("missing %q in\n%s", cell, rabbit)
		}
	}
	if l.Title() != "queues" || newDests(t, 100, 10, topics()).Title() != "topics" {
		t.Fatalf("titles: %q", l.Title())
	}
}

func TestFilterMatchesNamesAndKeepsTheCursor(t *testing.T) {
	l := newDests(t, 100, 10, topics())
	l.Update(press("down")) // orders
	l.SetFilter("ORD")
	if got := rows(l); strings.Join(got, " ") != "orders orders-dlt" {
		t.Fatalf("filter ORD: %v", got)
	}
	if sel, _ := l.Selected(); sel.Name != "orders" {
		t.Fatalf("the cursor should stay on orders, is on %q", sel.Name)
	}
	if !strings.Contains(ansi.Strip(l.Status()), "2 of 4 topics") {
		t.Fatalf("status: %q", ansi.Strip(l.Status()))
	}
	l.SetFilter("zzz")
	if !strings.Contains(ansi.Strip(l.View()), `nothing matches "zzz"`) {
		t.Fatalf("an empty match should say so: %q", ansi.Strip(l.View()))
	}
	l.SetFilter("")
	if len(rows(l)) != 4 {
		t.Fatalf("clearing the filter shows all again: %v", rows(l))
	}
}

// A refresh that adds, removes and reorders rows leaves the cursor on the same destination.
func TestCursorFollowsTheDestinationAcrossRefreshes(t *testing.T) {
	l := newDests(t, 100, 10, topics())
	for range 3 {
		l.Update(press("down"))
	}
	if sel, _ := l.Selected(); sel.Name != "payments" {
		t.Fatalf("setup: cursor on %q", sel.Name)
	}
	fresh := append([]backends.Destination{
		{Name: "aaa", Kind: backends.Topic, Partitions: 1}, {Name: "abc", Kind: backends.Topic, Partitions: 1},
	}, topics()[:2]...) // audit and orders-dlt are gone, two new ones sort first
	setData(t, l, fresh, at.Add(time.Second))
	if sel, _ := l.Selected(); sel.Name != "payments" {
		t.Fatalf("after refresh the cursor is on %q, want payments", sel.Name)
	}
	// When the selected destination goes away, the cursor stays where it was, clamped.
	setData(t, l, topics()[:1], at.Add(2*time.Second))
	if sel, _ := l.Selected(); sel.Name != "orders" {
		t.Fatalf("after its row went: cursor on %q", sel.Name)
	}
}

// Drawing costs the screen, not the data: 10,000 and 100,000 destinations draw the same number of rows with
// the same number of allocations.
func TestViewCostFollowsTheScreen(t *testing.T) {
	many := func(n int) []backends.Destination {
		ds := make([]backends.Destination, n)
		for i := range ds {
			ds[i] = backends.Destination{Name: fmt.Sprintf("topic-%06d", i), Kind: backends.Topic, Partitions: 3, Messages: int64(i)}
		}
		return ds
	}
	small, big := newDests(t, 120, 20, many(10_000)), newDests(t, 120, 20, many(100_000))
	big.Table().SetCursor(50_000)
	if n := len(strings.Split(big.View(), "\n")); n != 20 {
		t.Fatalf("the view has %d lines, want 20 (title + 19 rows)", n)
	}
	if got := rows(big); len(got) != 19 || got[18] != "topic-050000" {
		t.Fatalf("visible rows: %d, last %q", len(got), got[len(got)-1])
	}
	a := testing.AllocsPerRun(20, func() { _ = small.View() })
	b := testing.AllocsPerRun(20, func() { _ = big.View() })
	if b > a*1.1+5 {
		t.Fatalf("drawing 100,000 rows allocates %.0f times, 10,000 rows %.0f: cost grows with the data", b, a)
	}
}

// Broker text is escaped before it is drawn: no byte of a name can reach the terminal as a control.
func TestHostileNamesAreEscaped(t *testing.T) {
	hostile := []backends.Destination{
		{Name: "evil\x1b]0;pwned\x07", Kind: backends.Topic, Partitions: 1},
		{Name: "clear\x1b[2Jme", Kind: backends.Topic, Partitions: 1},
		{Name: "abc\u202edcba", Kind: backends.Topic, Partitions: 1},
	}
	l := newDests(t, 100, 10, hostile)
	out := l.View()
	for _, want := range []string{`evil\e]0;pwned\x07`, `clear\e[2Jme`, `abc\u202edcba`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing escaped %q in\n%s", want, ansi.Strip(out))
		}
	}
	for _, raw := range []string{"\x1b]", "\x1b[2J", "\x07", "\u202e"} {
		if strings.Contains(out, raw) {
			t.Errorf("raw %q reached the view", raw)
		}
	}
	d := l.Update(press("enter"))().(common.PushMsg).View // the detail view escapes too
	d.SetSize(80, 10)
	if out := d.Title() + d.View(); strings.Contains(out, "\u202e") || !strings.Contains(out, `abc\u202edcba`) {
		t.Errorf("detail view: %q", out)
	}
}

func TestOpenPushesADetailThatRefreshesByID(t *testing.T) {
	l := newDests(t, 100, 10, topics())
	l.Update(press("down"))
	cmd := l.Update(press("enter"))
	push, ok := cmd().(common.PushMsg)
	if !ok {
		t.Fatalf("enter should push a view, got %T", cmd())
	}
	d := push.View
	d.SetSize(80, 10)
	if d.Title() != "orders" || !strings.Contains(ansi.Strip(d.View()), "partitions          6") {
		t.Fatalf("detail of orders:\n%s", ansi.Strip(d.View()))
	}
	changed := topics()
	changed[0].Partitions = 8
	setData(t, d, changed, at)
	if !strings.Contains(ansi.Strip(d.View()), "partitions          8") {
		t.Fatalf("detail should follow the refresh:\n%s", ansi.Strip(d.View()))
	}
	setData(t, d, topics()[1:], at)
	if !strings.Contains(ansi.Strip(d.Status()), "no longer listed") {
		t.Fatalf("status once gone: %q", ansi.Strip(d.Status()))
	}
}

func TestGroupsView(t *testing.T) {
	g := NewGroups(common.New(config.Context{})).(*groupsView).Model
	g.SetSize(120, 10)
	setData(t, g, []backends.ConsumerGroup{
		{Name: "billing", State: "Stable", Members: 3, ProtocolType: "consumer", Protocol: "range", Coordinator: "127.0.0.1:9092"},
		{Name: "audit\x1b[31m", State: "Empty"},
	}, at)
	out := ansi.Strip(g.View())
	for _, want := range []string{"GROUP ▲", "STATE", "MEMBERS", "PROTOCOL", "COORDINATOR", "consumer/range", `audit\e[31m`, "127.0.0.1:9092"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// A group with no members but committed offsets shows the topics they are on, and its details list the
// offsets per partition.
func TestGroupWithOnlyCommittedOffsets(t *testing.T) {
	audit := backends.ConsumerGroup{Name: "audit-exporter", State: "Empty", Topics: []string{"customers", "inventory-events"},
		Committed: []backends.RecordPosition{{Topic: "customers", Partition: 0, Offset: 76}, {Topic: "inventory-events", Partition: 1, Offset: 1199}}}
	g := NewGroups(common.New(config.Context{})).(*groupsView).Model
	g.SetSize(120, 10)
	setData(t, g, []backends.ConsumerGroup{audit}, at)
	if out := ansi.Strip(g.View()); !strings.Contains(out, "customers,inventory-events") {
		t.Errorf("groups view lacks the committed topics:\n%s", out)
	}
	var lines []string
	for _, f := range groupFields(audit) {
		lines = append(lines, strings.TrimSpace(f.Label+" "+f.Value))
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"topics customers", "inventory-events", "committed customers[0]  76", "inventory-events[1]  1,199"} {
		if !strings.Contains(got, want) {
			t.Errorf("details lack %q:\n%s", want, got)
		}
	}
}

func manyTopics(n int) []backends.Destination {
	ds := make([]backends.Destination, n)
	for i := range ds {
		ds[i] = backends.Destination{Name: fmt.Sprintf("topic-%06d", i), Kind: backends.Topic, Partitions: 1 + i%12,
			ReplicationFactor: 3, Messages: int64(i * 37 % 100_000)}
	}
	return ds
}

// BenchmarkView is one frame of a 40-line screen over 100,000 destinations.
func BenchmarkView(b *testing.B) {
	l := NewDestinations(common.New(config.Context{}), "topics").(*list.Model[dest])
	l.SetSize(160, 40)
	l.SetItems(manyTopics(100_000), at)
	l.Table().SetCursor(50_000)
	b.ReportAllocs()
	for b.Loop() {
		_ = l.View()
	}
}

// BenchmarkRefresh is taking a fresh listing of 100,000 destinations: columns, filter, sort, cursor.
func BenchmarkRefresh(b *testing.B) {
	l := NewDestinations(common.New(config.Context{}), "topics").(*list.Model[dest])
	l.SetSize(160, 40)
	data := manyTopics(100_000)
	l.Resort(8, true) // by messages
	b.ReportAllocs()
	for b.Loop() {
		l.SetItems(data, at)
	}
}

// A listing of streams only (NATS JetStream) is called streams, not queues; a mix is named by the most
// general word that fits.
func TestListingNamesStreams(t *testing.T) {
	for want, ds := range map[string][]dest{
		"streams":      {{Name: "A", Kind: backends.Stream}, {Name: "B", Kind: backends.Stream}},
		"queues":       {{Name: "A", Kind: backends.Stream}, {Name: "jobs", Kind: backends.Queue}},
		"topics":       {{Name: "t", Kind: backends.Topic}},
		"destinations": {{Name: "t", Kind: backends.Topic}, {Name: "q", Kind: backends.Queue}},
		// Redis: streams and lists, not queues
		"streams and lists": {{Name: "events", Kind: backends.Stream, Type: "stream"}, {Name: "jobs", Kind: backends.Queue, Type: "list"}},
		"lists":             {{Name: "jobs", Kind: backends.Queue, Type: "list"}},
	} {
		if got := destinationNoun(ds); got != want {
			t.Errorf("%v is called %q, want %q", ds, got, want)
		}
	}
}

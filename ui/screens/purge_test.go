package screens

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/ui/common"
)

func TestPurgeOfferedByCapabilityOutsideReadOnly(t *testing.T) {
	c := common.New(config.Context{Name: "test"})
	queue := dest{Name: "jobs", Kind: backends.Queue}
	topic := dest{Name: "orders", Kind: backends.Topic}
	exchange := dest{Name: "amq.direct", Kind: backends.Exchange}
	if purgeActions(c, queue) != nil || purgeActions(c, topic) != nil {
		t.Fatal("no backend, no purge")
	}
	connectTo(c, capable{}, false)
	if a := purgeActions(c, queue); len(a) != 1 || a[0].Binding.Help().Desc != "purge" {
		t.Fatalf("a queue on a purger: %v", a)
	}
	if a := purgeActions(c, topic); len(a) != 1 || a[0].Binding.Help().Desc != "truncate" {
		t.Fatalf("a topic on a truncator: %v", a)
	}
	if purgeActions(c, exchange) != nil {
		t.Fatal("an exchange holds nothing to purge")
	}
	connectTo(c, c.Backend(), true)
	if purgeActions(c, queue) != nil || purgeActions(c, topic) != nil {
		t.Fatal("read-only offers no purge")
	}

	// The destinations list offers P on the selected queue, and only then.
	connectTo(c, c.Backend(), false)
	l := newDestsOn(t, c, 120, 10, []backends.Destination{queue, exchange})
	if k := keyNames(l); strings.Contains(k, "P") || l.Update(press("P")) != nil {
		t.Fatalf("no P on an exchange (amq.direct sorts first): %s", k)
	}
	l.Update(press("down"))
	if k := keyNames(l); !strings.Contains(k, "P") {
		t.Fatalf("P on jobs: %s", k)
	}
	if _, ok := l.Update(press("P"))().(common.TaskMsg); !ok {
		t.Fatal("P asks what a purge would remove, through the shell")
	}
}

func TestPurgeAndTruncateShowTheirScope(t *testing.T) {
	c := common.New(config.Context{Name: "test"})
	d := purgeConfirm(c, actions.PurgePlan{Queue: "jobs", Vhost: "/", Ready: 1200, Unacked: 30})
	d.SetSize(100, 20)
	screen := ansi.Strip(d.View())
	for _, want := range []string{"purge jobs?", "queue jobs in vhost /", "removes its 1,200 ready messages",
		"leaves the 30 unacknowledged", "type jobs and enter to purge 1,200 ready messages"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("purge dialog lacks %q:\n%s", want, screen)
		}
	}

	// A Redis list is purged as a queue is, and named as what it is.
	c.Words = present.WordsFor(backends.Redis)
	d = purgeConfirm(c, actions.PurgePlan{Queue: "jobs", Ready: 3})
	d.SetSize(100, 20)
	if screen := ansi.Strip(d.View()); !strings.Contains(screen, "list jobs") || strings.Contains(screen, "queue") {
		t.Fatalf("a Redis list's purge dialog:\n%s", screen)
	}

	// SQS purges in-flight messages too, from its estimates: the dialog says so rather than promise to
	// leave "the 0 unacknowledged" with consumers from a count "just now".
	c.Words = present.KafkaWords
	d = purgeConfirm(c, actions.PurgePlan{Queue: "jobs", Ready: 12, Approximate: true, Note: actions.SQSPurgeNote})
	d.SetSize(100, 30)
	screen = strings.Join(strings.Fields(ansi.Strip(d.View())), " ")
	for _, want := range []string{"removes its ~12 messages", "in-flight and delayed messages alike", "estimate",
		"to purge ~12 messages"} {
		if !strings.Contains(screen, want) {
			t.Errorf("SQS purge dialog lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "unacknowledged") || strings.Contains(screen, "counted just now") {
		t.Errorf("SQS purge dialog promises what SQS does not do:\n%s", screen)
	}

	plan := actions.TruncatePlan{Topic: "orders", Partitions: []actions.PartitionTruncate{
		{Partition: 0, Start: 100, End: 1100, Before: 1100}, {Partition: 1, Start: 0, End: 5, Before: 5}}}
	d = truncateConfirm(c, plan)
	d.SetSize(100, 20)
	screen = ansi.Strip(d.View())
	for _, want := range []string{"truncate orders?", "deletes every record of its 2 partitions, 1,005 in all",
		"0          100        1,100        1,000", "type orders and enter to delete 1,005 records"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("truncate dialog lacks %q:\n%s", want, screen)
		}
	}
}

// Figures the broker could not give are unknown in the TUI: ? in the lists, words in the purge dialog,
// never 0.
func TestUnknownFiguresAreNotZero(t *testing.T) {
	c := common.New(config.Context{Name: "test"})
	d := purgeConfirm(c, actions.PurgePlan{Queue: "jobs", Vhost: "/", Ready: backends.Unknown, Unacked: backends.Unknown})
	d.SetSize(100, 20)
	screen := ansi.Strip(d.View())
	for _, want := range []string{"removes every ready message, for good: how many is unknown",
		"leaves the unacknowledged ones with their consumers", "type jobs and enter to purge every ready message"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("purge dialog lacks %q:\n%s", want, screen)
		}
	}

	restarted := backends.Destination{Name: "restarted", Kind: backends.Queue, Type: "classic", Vhost: "/",
		Messages: backends.Unknown, Ready: backends.Unknown, Unacked: backends.Unknown, Consumers: backends.Unknown}
	v := newBacklog(t)
	setData(t, v, []backends.Destination{restarted}, at)
	if f := strings.Fields(lineOf(ansi.Strip(v.View()), "restarted ")); strings.Count(strings.Join(f, " "), "?") != 3 || contains(f, "0") {
		t.Errorf("backlog row: %v", f)
	}
	l := newDests(t, 120, 10, []backends.Destination{restarted})
	if f := strings.Fields(lineOf(ansi.Strip(l.View()), "restarted ")); !contains(f, "?") || contains(f, "0") {
		t.Errorf("destinations row: %v", f)
	}
}

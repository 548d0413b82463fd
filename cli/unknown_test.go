package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
)

// A queue whose figures the broker could not give (right after a restart) is listed with ? in tables and
// null in JSON, never 0; known figures beside it stay as they are.
func TestUnknownCountsAreNeverZero(t *testing.T) {
	const u = backends.Unknown
	dests := []backends.Destination{
		{Name: "restarted", Kind: backends.Queue, Type: "classic", Vhost: "/", Messages: u, Ready: u, Unacked: u, Consumers: u},
		{Name: "seen", Kind: backends.Queue, Type: "classic", Vhost: "/", Messages: 500, Ready: 500},
	}
	var table, lines bytes.Buffer
	if err := render(&table, outputTable, dests, destinationColumns, destinationJSON); err != nil {
		t.Fatal(err)
	}
	want := "NAME       VHOST  KIND   TYPE     MESSAGES  READY  UNACKED  CONSUMERS  PUBLISH/S  DELIVER/S\n" +
		"restarted  /      queue  classic         ?      ?        ?          ?          -          -\n" +
		"seen       /      queue  classic       500    500        0          0          -          -\n"
	if table.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", table.String(), want)
	}
	if err := render(&lines, outputJSON, dests, destinationColumns, destinationJSON); err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(lines.String(), "\n")[0]; !strings.Contains(got, `"messages":null,"ready":null,"unacked":null,"consumers":null`) {
		t.Errorf("JSON: %s", got)
	}

	queues := actions.Backlog(dests)
	table.Reset()
	if err := writeTable(&table, queues, backlogColumns); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "restarted  /          ?        ?          ?          -          -      -        -\n") {
		t.Errorf("lag table:\n%s", table.String())
	}
	line := backlogLineOf(queues[0], "t")
	if line.Ready != nil || line.Unacked != nil || line.Consumers != nil || line.DrainSeconds != nil || line.Drain != nil || line.Growing {
		t.Errorf("lag JSON: %+v", line)
	}

	plan := actions.PurgePlan{Queue: "restarted", Ready: u, Unacked: u}
	if got, want := purgePreview(plan), "would remove every ready message from restarted, how many is unknown (the broker "+
		"gives no figures right now); add --yes to purge"; got != want {
		t.Errorf("purge preview: %s", got)
	}
	if l := purgeJSON(purgeRow{plan, nil}).(purgeLine); l.Ready != nil || l.Unacked != nil {
		t.Errorf("purge JSON: %+v", l)
	}
}

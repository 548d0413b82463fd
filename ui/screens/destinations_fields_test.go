package screens

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/backends"
)

// An SQS queue's details say its counts in SQS's words and mark them approximate, as its list line
// does: they read "ready 7, unacked 0, consumers ?" with no ~.
func TestSQSDetailsMarkApproximateCounts(t *testing.T) {
	d := backends.Destination{Name: "demo-dlq", Kind: backends.Queue, Type: "standard", Approximate: true,
		Messages: 7, Ready: 7, Unacked: 0, Delayed: 0, DeadLetterSources: []string{"demo-orders", "demo-payments"}}
	var got []string
	for _, f := range destinationFields(d) {
		got = append(got, f.Label+"="+f.Value)
	}
	line := strings.Join(got, " ")
	for _, want := range []string{"messages=~7", "visible=~7", "in-flight=~0", "delayed=~0", "dead-letter for=demo-orders, demo-payments"} {
		if !strings.Contains(line, want) {
			t.Errorf("details lack %q: %s", want, line)
		}
	}
	for _, gone := range []string{"ready=", "unacked=", "consumers="} {
		if strings.Contains(line, gone) {
			t.Errorf("details still say %q: %s", gone, line)
		}
	}
}

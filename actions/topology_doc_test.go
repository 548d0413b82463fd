package actions

import (
	"strings"
	"testing"
)

func TestTopologyDocContexts(t *testing.T) {
	doc, err := ParseTopologyDoc([]byte("contexts:\n  rabbit: {queues: [{name: jobs}]}\n  kafka: {topics: [{name: orders, partitions: 3}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(doc.ContextNames(), ","); got != "kafka,rabbit" || doc.Contexts["kafka"].Topics[0].Partitions != 3 {
		t.Fatalf("contexts %s: %+v", got, doc.Contexts)
	}
	for text, want := range map[string]string{
		"topics: [{name: a}]\ncontexts: {k: {topics: [{name: b}]}}\n":        "both contexts and",
		"contexts: {r: {bindings: [{exchange: x}]}}\n":                       "context r: the binding from \"x\" needs exactly one",
		"contexts: {r: {queus: [{name: jobs}]}}\n":                           "unknown field",
		"contexts: {r: {queues: [{name: jobs}]}}\nqueues: [{name: other}]\n": "both contexts and",
	} {
		if _, err := ParseTopologyDoc([]byte(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	if _, err := ParseTopology([]byte("contexts: {k: {topics: [{name: b}]}}\n")); err == nil {
		t.Error("ParseTopology takes a file with contexts")
	}
}

// A binding's arguments tell it apart, and a number from the file (int) matches one from the broker
// (float64).
func TestBindingArgumentsInTheDiff(t *testing.T) {
	have := []BindingDef{{Exchange: "hx", Queue: "jobs", Arguments: map[string]any{"x-match": "all", "n": float64(5)}}}
	same := []BindingDef{{Exchange: "hx", Queue: "jobs", Arguments: map[string]any{"x-match": "all", "n": 5}}}
	if steps := planBindings(have, same, true); len(steps) != 0 {
		t.Fatalf("the same binding differs: %+v", steps)
	}
	other := []BindingDef{{Exchange: "hx", Queue: "jobs", Arguments: map[string]any{"x-match": "any", "n": 5}}}
	steps := planBindings(have, other, true)
	if len(steps) != 2 || steps[0].Action != "bind" || !strings.Contains(steps[0].Detail, "x-match=any") ||
		steps[1].Action != "unbind" || !strings.Contains(steps[1].Detail, "x-match=all") {
		t.Fatalf("other arguments: %+v", steps)
	}
}

// A topic that leaves its replication factor to the broker says so: "replication=0" read as a number
// no broker takes.
func TestNewTopicDetailSaysDefault(t *testing.T) {
	steps := planTopics(nil, []TopicDef{{Name: "orders", Partitions: 6, Configs: map[string]string{"retention.ms": "1"}}}, false)
	if len(steps) != 1 || steps[0].Detail != "partitions=6 replication=default retention.ms=1" {
		t.Fatalf("create step: %+v", steps)
	}
	steps = planTopics(nil, []TopicDef{{Name: "bare"}}, false)
	if len(steps) != 1 || steps[0].Detail != "partitions=default replication=default" {
		t.Fatalf("create step without sizes: %+v", steps)
	}
}

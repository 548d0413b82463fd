package present

import (
	"slices"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// TestTopicTree: levels no topic sits on get a row counting the topics and messages under them; a level
// that is a topic itself gets none; sorted by levels, the rows read as a tree.
func TestTopicTree(t *testing.T) {
	w := time.Second
	topic := func(name string, seen int64) dest {
		return dest{Name: name, Kind: backends.Topic, Window: w, Seen: seen}
	}
	ds := TopicTree([]dest{topic("a/b/c", 2), topic("a/b/d", 3), topic("a", 0), topic("a/b-x", 1), topic("e/f", 0)})
	slices.SortFunc(ds, CompareTreePaths)
	var got []string
	for _, d := range ds {
		got = append(got, TreeName(d))
	}
	want := []string{"a", "  b/ (2)", "    c", "    d", "  b-x", "e/ (1)", "  f"}
	if !slices.Equal(got, want) {
		t.Fatalf("tree = %q, want %q", got, want)
	}
	if b := ds[1]; b.Seen != 5 || *b.PublishRate != 5 || !IsTreeLevel(b) || IsSampledTopic(b) {
		t.Errorf("level a/b/ = %+v, want 5 seen at 5/s, a level", b)
	}
}

// TestLastPayloadEscaped: the preview never reaches a terminal raw, and a cut one says so.
func TestLastPayloadEscaped(t *testing.T) {
	d := dest{LastPayload: []byte("\x1b[2Jhi"), LastSize: 100}
	if got := LastPayload(d); got != `\e[2Jhi…` && got != `\x1b[2Jhi…` {
		t.Errorf("LastPayload = %q, want the escape shown escaped and … for the cut", got)
	}
}

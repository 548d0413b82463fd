package present

import (
	"slices"
	"strings"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/sanitize"
)

// IsTreeLevel is true for a row a topic tree adds for a level no topic sits on ("sensors/" above
// sensors/a/temp), false for every topic.
func IsTreeLevel(d dest) bool { return d.TopicsUnder > 0 }

// IsSampledTopic is an MQTT topic a listing saw, not a level of its tree.
func IsSampledTopic(d dest) bool { return Sampled(d) && !IsTreeLevel(d) }

// LastPayload is the preview of a topic's last payload, escaped for a terminal, with … where the
// payload went on beyond the preview.
func LastPayload(d dest) string {
	s := sanitize.Bytes(d.LastPayload)
	if d.LastSize > len(d.LastPayload) {
		s += "…"
	}
	return s
}

// TopicTree is ds with a row added for each level of the MQTT topic tree that no topic sits on, so that
// sensors/a/temp comes with "sensors/" and "sensors/a/", each counting the topics under it and the
// messages seen on them (SEEN, PUBLISH/S: sums over the same window), as MQTT
// Explorer shows them. Only topics a listing sampled (MQTT) get levels; other destinations are as they
// were. The levels are derived, not listed by the broker: the CLI does not print them.
func TopicTree(ds []dest) []dest {
	topics := map[string]bool{}
	under := map[string]int{}
	seen := map[string]int64{}
	var window dest
	for _, d := range ds {
		if !IsSampledTopic(d) {
			continue
		}
		window = d
		topics[d.Name] = true
		segs := strings.Split(d.Name, "/")
		for i := 1; i < len(segs); i++ {
			under[strings.Join(segs[:i], "/")]++
			seen[strings.Join(segs[:i], "/")] += d.Seen
		}
	}
	levels := make([]string, 0, len(under))
	for path := range under {
		if !topics[path] { // a topic on this level is its own row
			levels = append(levels, path)
		}
	}
	slices.Sort(levels)
	out := slices.Clip(ds)
	for _, path := range levels {
		rate := float64(seen[path]) / window.Window.Seconds()
		out = append(out, dest{Name: path + "/", Kind: backends.Topic, Window: window.Window, Seen: seen[path],
			PublishRate: &rate, Internal: strings.HasPrefix(path, "$"), TopicsUnder: under[path]})
	}
	return out
}

// treePath is a row's place in the topic tree: its levels (a level row's without the trailing /).
func treePath(d dest) []string {
	name := d.Name
	if IsTreeLevel(d) {
		name = strings.TrimSuffix(name, "/")
	}
	return strings.Split(name, "/")
}

// CompareTreePaths orders rows as a tree reads: level by level, each level before what is under it.
func CompareTreePaths(a, b dest) int { return slices.Compare(treePath(a), treePath(b)) }

// TreeName is how a topic's row is named in a tree: indented two spaces a level, showing its last
// level only, a level row with its / and the count of topics under it ("  a/ (3)"); escaped.
func TreeName(d dest) string {
	path := treePath(d)
	name := strings.Repeat("  ", len(path)-1) + sanitize.Line(path[len(path)-1])
	if IsTreeLevel(d) {
		name += "/ (" + Int(d.TopicsUnder) + ")"
	}
	return name
}

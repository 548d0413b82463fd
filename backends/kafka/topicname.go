package kafka

import (
	"fmt"
	"strings"
)

// maxTopicName is the longest topic name Kafka takes (Topic.MAX_NAME_LENGTH: 255 less room for the
// partition number in directory names).
const maxTopicName = 249

// CheckDestinationName applies Kafka's rules for a new topic's name before any request is sent (kfake and
// some proxies take anything, a real broker refuses): ASCII letters, digits, '.', '_' and '-', at most
// 249 of them, and not "." or "..". A name with both '.' and '_' is legal but earns the warning Kafka's
// own tools give: metric names turn '.' into '_', so "a.b" and "a_b" report as one topic.
func (b *Backend) CheckDestinationName(name string) (warning string, err error) {
	const rule = "topic names are ASCII letters, digits, '.', '_' and '-', at most 249 of them, not \".\" or \"..\""
	switch {
	case name == "":
		return "", fmt.Errorf("a topic needs a name (%s)", rule)
	case name == "." || name == "..":
		return "", fmt.Errorf("Kafka refuses the topic name %q (%s)", name, rule)
	case len(name) > maxTopicName:
		return "", fmt.Errorf("the topic name is %d characters long, Kafka takes at most %d (%s)", len(name), maxTopicName, rule)
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !legalTopicRune(r) }); i >= 0 {
		return "", fmt.Errorf("Kafka refuses the topic name %q: %q is not allowed (%s)", name, []rune(name[i:])[0], rule)
	}
	if strings.Contains(name, ".") && strings.Contains(name, "_") {
		return fmt.Sprintf("topic %s mixes '.' and '_', which Kafka's metric names do not tell apart "+
			"(it could collide with a topic named the other way): best use one or the other", name), nil
	}
	return "", nil
}

func legalTopicRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-'
}

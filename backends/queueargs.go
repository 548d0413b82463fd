package backends

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Queue arguments: RabbitMQ takes them as a typed table and refuses a wrong type only once the queue is
// declared (or, worse, takes a string "10000" for x-message-ttl and ignores it). They are checked here,
// before anything is sent, and the CLI and the topology file parse text into them with ParseQueueArgument.

type argKind int

const (
	argInt argKind = iota
	argString
)

// queueArgs are the arguments whose type mqscope knows; others pass as given.
var queueArgs = map[string]argKind{
	"x-dead-letter-exchange":    argString,
	"x-dead-letter-routing-key": argString,
	"x-delivery-limit":          argInt,
	"x-max-length":              argInt,
	"x-max-length-bytes":        argInt,
	"x-message-ttl":             argInt,
	"x-expires":                 argInt,
	"x-max-priority":            argInt,
	"x-queue-type":              argString,
	"x-overflow":                argString,
	"x-max-age":                 argString,
}

// QueueTypes are the queue types RabbitMQ has.
var QueueTypes = []string{"classic", "quorum", "stream"}

// ParseQueueArgument turns the text of argument key (from a command line or a file) into the value the
// broker wants: a whole number for the arguments that take one, text for those that take text, and for
// others a whole number or true/false where the text is one, else the text.
func ParseQueueArgument(key, text string) (any, error) {
	kind, known := queueArgs[key]
	switch {
	case known && kind == argString:
		return text, nil
	case known:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("argument %s=%q: want a whole number", key, text)
		}
		return n, nil
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	if v, err := strconv.ParseBool(text); err == nil && (text == "true" || text == "false") {
		return v, nil
	}
	return text, nil
}

// CheckQueueArguments checks the arguments of a queue of type queueType ("" is classic) before they are
// sent: the known ones must have their type and a sensible value, and x-queue-type must agree with the
// type asked for. Numbers decoded from JSON or YAML (float64, int) pass when they are whole.
func CheckQueueArguments(queueType string, args map[string]any) error {
	if queueType != "" && !slices.Contains(QueueTypes, queueType) {
		return fmt.Errorf("queue type %q: want one of classic, quorum, stream", queueType)
	}
	for key, v := range args {
		kind, known := queueArgs[key]
		if !known {
			continue
		}
		if kind == argString {
			if _, ok := v.(string); !ok {
				return fmt.Errorf("argument %s: want text, not %T %v", key, v, v)
			}
			continue
		}
		n, ok := wholeNumber(v)
		if !ok {
			return fmt.Errorf("argument %s: want a whole number, not %T %v", key, v, v)
		}
		if n < 0 {
			return fmt.Errorf("argument %s=%d: want 0 or more", key, n)
		}
		args[key] = n
	}
	if t, ok := args["x-queue-type"].(string); ok && queueType != "" && t != queueType {
		return fmt.Errorf("argument x-queue-type=%s disagrees with the queue type %s: give one", t, queueType)
	}
	if _, ok := args["x-delivery-limit"]; ok && queueTypeOf(queueType, args) != "quorum" {
		return fmt.Errorf("argument x-delivery-limit works on quorum queues only (this one is %s)",
			queueTypeOf(queueType, args))
	}
	return nil
}

func queueTypeOf(queueType string, args map[string]any) string {
	if t, ok := args["x-queue-type"].(string); ok && t != "" {
		return t
	}
	if queueType == "" {
		return "classic"
	}
	return queueType
}

// wholeNumber is v as an int64, when v is a whole number of any numeric type.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float64:
		return int64(n), n == math.Trunc(n) && math.Abs(n) < 1<<53
	}
	return 0, false
}

package actions

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mqscope/mqscope/backends"
)

// ResetTargetKind says where an offset reset moves a group, as kafka-consumer-groups' --to-* options do.
type ResetTargetKind int

const (
	ResetEarliest ResetTargetKind = iota // the log start
	ResetLatest                          // the log end
	ResetCurrent                         // where the group is (the log end where it committed nothing)
	ResetOffset                          // an explicit offset
	ResetTime                            // the first record at or after a time (the log end if none)
	ResetShift                           // the committed offset moved by ±N
)

// ResetTarget is a parsed --to value.
type ResetTarget struct {
	Kind   ResetTargetKind
	Offset int64         // ResetOffset
	Shift  int64         // ResetShift
	Time   time.Time     // ResetTime at a fixed time
	Ago    time.Duration // ResetTime that long before the plan is made (when Time is zero)
}

// String gives the target back in the syntax ParseResetTarget reads.
func (t ResetTarget) String() string {
	switch t.Kind {
	case ResetEarliest:
		return "earliest"
	case ResetLatest:
		return "latest"
	case ResetCurrent:
		return "current"
	case ResetOffset:
		return strconv.FormatInt(t.Offset, 10)
	case ResetShift:
		return fmt.Sprintf("shift:%+d", t.Shift)
	case ResetTime:
		if t.Time.IsZero() {
			return "@-" + t.Ago.String()
		}
		return "@" + t.Time.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("ResetTarget(%d)", int(t.Kind))
}

// ResetTargetSyntax is what ParseResetTarget reads, for help texts and errors.
const ResetTargetSyntax = "earliest, latest, current, OFFSET, @TIME (RFC 3339, or local 2006-01-02T15:04:05), " +
	"@-DURATION (15m, 2h30m or ISO 8601 P1DT2H) or shift:±N"

// ParseResetTarget reads a --to value: earliest, latest, current, an offset, @TIME, @-DURATION or shift:±N.
// A time without a zone is local, as kafka-consumer-groups --to-datetime reads it.
func ParseResetTarget(s string) (ResetTarget, error) {
	switch s = strings.TrimSpace(s); {
	case s == "earliest" || s == "beginning" || s == "start":
		return ResetTarget{Kind: ResetEarliest}, nil
	case s == "latest" || s == "end":
		return ResetTarget{Kind: ResetLatest}, nil
	case s == "current":
		return ResetTarget{Kind: ResetCurrent}, nil
	case strings.HasPrefix(s, "shift:"):
		n, err := strconv.ParseInt(s[len("shift:"):], 10, 64)
		if err != nil {
			return ResetTarget{}, fmt.Errorf("reset target %q: want shift:+N or shift:-N, such as shift:-100", s)
		}
		return ResetTarget{Kind: ResetShift, Shift: n}, nil
	case strings.HasPrefix(s, "@-"):
		d, ok := parseResetDuration(s[2:])
		if !ok || d <= 0 {
			return ResetTarget{}, fmt.Errorf("reset target %q: want @-DURATION such as @-15m, @-2h30m or @-P1DT2H", s)
		}
		return ResetTarget{Kind: ResetTime, Ago: d}, nil
	case strings.HasPrefix(s, "@"):
		t, ok := parseResetTime(s[1:])
		if !ok {
			return ResetTarget{}, fmt.Errorf("reset target %q: want @TIME such as @2026-11-26T03:00:00Z or @2026-11-26T03:00:00 (local)", s)
		}
		return ResetTarget{Kind: ResetTime, Time: t}, nil
	}
	off, err := strconv.ParseInt(s, 10, 64)
	if err != nil || off < 0 {
		return ResetTarget{}, fmt.Errorf("reset target %q: want %s", s, ResetTargetSyntax)
	}
	return ResetTarget{Kind: ResetOffset, Offset: off}, nil
}

// Zone-less layouts are read in local time.
var localLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"}

func parseResetTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// isoDuration is the ISO 8601 subset kafka-consumer-groups --by-duration takes: PnDTnHnMn.nS.
var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

func parseResetDuration(s string) (time.Duration, bool) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, true
	}
	m := isoDuration.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, _ := strconv.ParseFloat(m[i+1], 64) // the pattern admits only numbers
			d += time.Duration(n * float64(unit))
		}
	}
	return d, true
}

// ParseTopicPartitions reads "TOPIC" (every partition) or "TOPIC:0,2,4-7". Only a list after the last
// colon made of digits, commas and dashes is one: Redis keys such as orders:eu are names with a colon
// (Kafka topic names cannot hold one).
func ParseTopicPartitions(s string) (topic string, parts []int32, err error) {
	topic, list, hasList := s, "", false
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Trim(s[i+1:], "0123456789,-") == "" {
		topic, list, hasList = s[:i], s[i+1:], true
	}
	if topic == "" {
		return "", nil, fmt.Errorf("topic %q: want TOPIC or TOPIC:PARTITION,... such as orders:0,2", s)
	}
	if !hasList {
		return topic, nil, nil
	}
	for _, item := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		if !isRange {
			hi = lo
		}
		from, err1 := strconv.ParseInt(lo, 10, 32)
		to, err2 := strconv.ParseInt(hi, 10, 32)
		if err1 != nil || err2 != nil || from < 0 || to < from {
			return "", nil, fmt.Errorf("partitions %q of topic %s: want numbers or ranges such as 0,2,4-7", list, topic)
		}
		for p := from; p <= to; p++ {
			parts = append(parts, int32(p))
		}
	}
	slices.Sort(parts)
	return topic, slices.Compact(parts), nil
}

// ResetPlan is an offset reset worked out but not applied: per partition where the group is and where it
// would go. Planning changes nothing; ExecuteReset applies a plan.
type ResetPlan struct {
	Group      string
	State      string // the group's state when planned
	Members    int
	Topic      string
	Target     ResetTarget
	At         time.Time
	Partitions []PartitionReset // sorted by partition
}

// PartitionReset is one partition's move.
type PartitionReset struct {
	Partition  int32
	Start, End int64 // the partition's log start and end when planned
	Current    int64 // the group's committed offset; -1 where it committed nothing
	New        int64
	Warning    string // why New is not what the target asked for (clamped to the log), if it is not
}

// Change is New − Current; ok is false where the group had committed nothing.
func (p PartitionReset) Change() (change int64, ok bool) {
	if p.Current < 0 {
		return 0, false
	}
	return p.New - p.Current, true
}

// Offsets are the plan's new offsets, as CommitOffsets takes them.
func (p ResetPlan) Offsets() map[backends.TopicPartition]int64 {
	out := make(map[backends.TopicPartition]int64, len(p.Partitions))
	for _, pr := range p.Partitions {
		out[backends.TopicPartition{Topic: p.Topic, Partition: pr.Partition}] = pr.New
	}
	return out
}

// ErrGroupActive is what resetting a group with live consumers returns: wrapped in an ActiveGroupError
// when actions sees the members first, or in the broker's refusal when they join between the check and the
// commit.
var ErrGroupActive = backends.ErrGroupActive

// ActiveGroupError refuses an offset reset: only a group in state Empty or Dead may be reset, as
// kafka-consumer-groups requires, because live consumers would overwrite the new offsets with their own.
type ActiveGroupError struct {
	Group   string
	State   string
	Members int
}

func (e *ActiveGroupError) Error() string {
	state := "in an unknown state"
	if e.State != "" {
		state = e.State
	}
	return fmt.Sprintf("group %s is %s with %d member%s; stop its consumers first — offsets can only be reset on an inactive group",
		e.Group, state, e.Members, plural(e.Members))
}

func (e *ActiveGroupError) Unwrap() error { return ErrGroupActive }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// CheckInactive says whether the group, as planned, may be reset: nil for Empty or Dead, an
// ActiveGroupError otherwise. ExecuteReset checks again against the group as it is then.
func (p ResetPlan) CheckInactive() error { return checkInactive(p.Group, p.State, p.Members) }

func checkInactive(group, state string, members int) error {
	if (state == "Empty" || state == "Dead") && members == 0 {
		return nil
	}
	return &ActiveGroupError{Group: group, State: state, Members: members}
}

// PlanReset works out where a reset of group's offsets on topicSpec ("TOPIC" or "TOPIC:0,2") to target
// would move each partition, exactly as kafka-consumer-groups --dry-run does: explicit and shifted
// targets are clamped to the partition's [log start, log end] with a warning, a time with no record at
// or after it resolves to the log end, and shifting a partition the group never committed on is an
// error. It changes nothing, and plans for active groups too (ExecuteReset is what refuses them).
func PlanReset(ctx context.Context, b backends.Backend, group, topicSpec string, target ResetTarget) (ResetPlan, error) {
	r, err := offsetResetter(b)
	if err != nil {
		return ResetPlan{}, err
	}
	topic, parts, err := ParseTopicPartitions(topicSpec)
	if err != nil {
		return ResetPlan{}, err
	}
	g, err := groupNow(ctx, b, group)
	if err != nil {
		return ResetPlan{}, err
	}
	bounds, err := partitionBounds(ctx, r, topic, parts)
	if err != nil {
		return ResetPlan{}, err
	}
	plan := ResetPlan{Group: group, State: g.State, Members: len(g.Members), Topic: topic, Target: target, At: time.Now()}
	var byTime map[int32]int64
	if target.Kind == ResetTime {
		at := target.Time
		if at.IsZero() {
			at = plan.At.Add(-target.Ago)
		}
		if byTime, err = r.OffsetsForTime(ctx, topic, partitionIDs(bounds), at); err != nil {
			return ResetPlan{}, fmt.Errorf("look up offsets of %s at %s: %w", topic, at.Format(time.RFC3339), err)
		}
	}
	committed := committedOn(g, topic)
	for _, pb := range bounds {
		pr, err := planPartition(pb, committed, target, byTime)
		if err != nil {
			return ResetPlan{}, fmt.Errorf("reset %s on %s/%d: %w", group, topic, pb.Partition, err)
		}
		plan.Partitions = append(plan.Partitions, pr)
	}
	return plan, nil
}

func planPartition(pb backends.PartitionBounds, committed map[int32]int64, target ResetTarget,
	byTime map[int32]int64) (PartitionReset, error) {
	current, has := committed[pb.Partition]
	if !has {
		current = -1
	}
	pr := PartitionReset{Partition: pb.Partition, Start: pb.Start, End: pb.End, Current: current}
	var want int64
	switch target.Kind {
	case ResetEarliest:
		want = pb.Start
	case ResetLatest:
		want = pb.End
	case ResetCurrent:
		want = current
		if !has {
			want = pb.End // what kafka-consumer-groups --to-current does where nothing is committed
		}
	case ResetOffset:
		want = target.Offset
	case ResetShift:
		if !has {
			return pr, errors.New("the group has no committed offset here to shift; reset to an offset or a time instead")
		}
		want = current + target.Shift
	case ResetTime:
		off, ok := byTime[pb.Partition]
		if !ok {
			return pr, errors.New("the broker gave no offset for the time")
		}
		want = off
	default:
		return pr, fmt.Errorf("unknown reset target %v", target)
	}
	pr.New, pr.Warning = clampOffset(want, pb)
	return pr, nil
}

// clampOffset keeps an offset within what the partition holds, and says so when it had to.
func clampOffset(want int64, pb backends.PartitionBounds) (int64, string) {
	switch {
	case want < pb.Start:
		return pb.Start, fmt.Sprintf("%d is before the log start; set to %d", want, pb.Start)
	case want > pb.End:
		return pb.End, fmt.Sprintf("%d is past the log end; set to %d", want, pb.End)
	}
	return want, ""
}

// ExecuteReset applies a plan: refused in read-only mode, and refused unless the group is Empty or Dead
// right now (it is looked at again, since consumers may have joined since the plan was made).
func (s *Session) ResetOffsets(ctx context.Context, plan ResetPlan) error {
	if err := s.begin(VerbReset, "group", plan.Group, "topic", plan.Topic, "to", plan.Target); err != nil {
		return err
	}
	r := s.b.(backends.OffsetResetter)
	g, err := groupNow(ctx, s.b, plan.Group)
	if err != nil {
		return err
	}
	if err := checkInactive(plan.Group, g.State, len(g.Members)); err != nil {
		return err
	}
	err = r.CommitOffsets(ctx, plan.Group, plan.Offsets())
	s.done(VerbReset, err, "group", plan.Group, "topic", plan.Topic, "offsets", plan.Offsets())
	if err != nil {
		return fmt.Errorf("commit offsets of group %s: %w", plan.Group, err)
	}
	return nil
}

// offsetResetter asks for what a reset needs: the group's position (LagReader) and the log's offsets.
func offsetResetter(b backends.Backend) (backends.OffsetResetter, error) {
	if err := readingSession(b).Can(VerbReset); err != nil {
		return nil, err
	}
	return b.(backends.OffsetResetter), nil
}

// groupNow is the group as it stands: its state, members and committed offsets. A group the broker does
// not know is Dead, as Kafka reports it; committing offsets for it creates it.
func groupNow(ctx context.Context, b backends.Backend, group string) (backends.GroupLag, error) {
	s, err := LagSnapshot(ctx, b, []string{group})
	if err != nil {
		return backends.GroupLag{}, err
	}
	for _, g := range s.Groups {
		if g.Group == group {
			return g, nil
		}
	}
	return backends.GroupLag{Group: group, State: "Dead"}, nil
}

func committedOn(g backends.GroupLag, topic string) map[int32]int64 {
	out := map[int32]int64{}
	for _, p := range g.Partitions {
		if p.Topic == topic && p.Committed >= 0 {
			out[p.Partition] = p.Committed
		}
	}
	return out
}

// partitionBounds reads the log ranges of the asked partitions and checks each exists.
func partitionBounds(ctx context.Context, r backends.OffsetResetter, topic string, parts []int32) ([]backends.PartitionBounds, error) {
	bounds, err := r.PartitionBounds(ctx, topic, parts)
	if err != nil {
		return nil, err // the adapter's error names the topic and the brokers already
	}
	have := partitionIDs(bounds)
	for _, p := range parts {
		if !slices.Contains(have, p) {
			return nil, backends.NotFound("topic %s has no partition %d (it has %d)", topic, p, len(bounds))
		}
	}
	if len(bounds) == 0 {
		return nil, backends.NotFound("topic %s has no partitions", topic)
	}
	return bounds, nil
}

func partitionIDs(bounds []backends.PartitionBounds) []int32 {
	ids := make([]int32, len(bounds))
	for i, b := range bounds {
		ids[i] = b.Partition
	}
	return ids
}

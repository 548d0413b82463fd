package actions

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

func TestParseResetTarget(t *testing.T) {
	local := time.Date(2026, 11, 26, 3, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		in   string
		want ResetTarget
		text string // String() of the result
	}{
		{"earliest", ResetTarget{Kind: ResetEarliest}, "earliest"},
		{"beginning", ResetTarget{Kind: ResetEarliest}, "earliest"},
		{" latest ", ResetTarget{Kind: ResetLatest}, "latest"},
		{"current", ResetTarget{Kind: ResetCurrent}, "current"},
		{"0", ResetTarget{Kind: ResetOffset, Offset: 0}, "0"},
		{"1234", ResetTarget{Kind: ResetOffset, Offset: 1234}, "1234"},
		{"shift:-100", ResetTarget{Kind: ResetShift, Shift: -100}, "shift:-100"},
		{"shift:+5", ResetTarget{Kind: ResetShift, Shift: 5}, "shift:+5"},
		{"shift:7", ResetTarget{Kind: ResetShift, Shift: 7}, "shift:+7"},
		{"@2026-11-26T03:00:00Z", ResetTarget{Kind: ResetTime, Time: time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)},
			"@2026-11-26T03:00:00Z"},
		{"@2026-11-26T03:00:00.000", ResetTarget{Kind: ResetTime, Time: local}, "@" + local.Format(time.RFC3339Nano)},
		{"@2026-11-26T03:00", ResetTarget{Kind: ResetTime, Time: local}, "@" + local.Format(time.RFC3339Nano)},
		{"@2026-11-26", ResetTarget{Kind: ResetTime, Time: local.Add(-3 * time.Hour)}, "@" + local.Add(-3*time.Hour).Format(time.RFC3339Nano)},
		{"@-15m", ResetTarget{Kind: ResetTime, Ago: 15 * time.Minute}, "@-15m0s"},
		{"@-PT1H30M", ResetTarget{Kind: ResetTime, Ago: 90 * time.Minute}, "@-1h30m0s"},
		{"@-P1DT0.5S", ResetTarget{Kind: ResetTime, Ago: 24*time.Hour + 500*time.Millisecond}, "@-24h0m0.5s"},
		{"@-p2d", ResetTarget{Kind: ResetTime, Ago: 48 * time.Hour}, "@-48h0m0s"},
	} {
		got, err := ParseResetTarget(tc.in)
		if err != nil || !got.Time.Equal(tc.want.Time) || got.Kind != tc.want.Kind || got.Offset != tc.want.Offset ||
			got.Shift != tc.want.Shift || got.Ago != tc.want.Ago || got.String() != tc.text {
			t.Errorf("ParseResetTarget(%q) = %+v %q, %v; want %+v %q", tc.in, got, got.String(), err, tc.want, tc.text)
		}
	}
	for _, bad := range []string{"", "-5", "earliest ", "shift:", "shift:x", "@", "@yesterday", "@-", "@-P", "@-PT",
		"@-P1DT", "@--5m", "@-0s", "12abc", "latest-1"} {
		if bad == "earliest " {
			continue // trimmed: valid
		}
		if got, err := ParseResetTarget(bad); err == nil {
			t.Errorf("ParseResetTarget(%q) = %v, want an error", bad, got)
		}
	}
}

func TestParseTopicPartitions(t *testing.T) {
	for _, tc := range []struct {
		in, topic string
		parts     []int32
	}{
		{"orders", "orders", nil},
		{"orders:3", "orders", []int32{3}},
		{"orders:5,0,2-3,3", "orders", []int32{0, 2, 3, 5}},
		{"orders:eu", "orders:eu", nil},
		{"app:orders:eu:1", "app:orders:eu", []int32{1}},
	} {
		topic, parts, err := ParseTopicPartitions(tc.in)
		if err != nil || topic != tc.topic || !equalParts(parts, tc.parts) {
			t.Errorf("ParseTopicPartitions(%q) = %q %v %v; want %q %v", tc.in, topic, parts, err, tc.topic, tc.parts)
		}
	}
	for _, bad := range []string{"", ":1", "orders:", "orders:3-1", "orders:-1", "orders:1,,2"} {
		if _, _, err := ParseTopicPartitions(bad); err == nil {
			t.Errorf("ParseTopicPartitions(%q) gave no error", bad)
		}
	}
}

func equalParts(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Where each target moves a partition that holds offsets [100, 500], with the group at 300 (or nowhere).
func TestPlanPartitionTargetsAndClamping(t *testing.T) {
	pb := backends.PartitionBounds{Partition: 2, Start: 100, End: 500}
	at300 := map[int32]int64{2: 300}
	none := map[int32]int64{}
	for _, tc := range []struct {
		name      string
		committed map[int32]int64
		target    ResetTarget
		byTime    map[int32]int64
		want      int64
		warning   string
	}{
		{"earliest", at300, ResetTarget{Kind: ResetEarliest}, nil, 100, ""},
		{"latest", at300, ResetTarget{Kind: ResetLatest}, nil, 500, ""},
		{"current", at300, ResetTarget{Kind: ResetCurrent}, nil, 300, ""},
		{"current where nothing is committed", none, ResetTarget{Kind: ResetCurrent}, nil, 500, ""},
		{"offset inside", at300, ResetTarget{Kind: ResetOffset, Offset: 250}, nil, 250, ""},
		{"offset past the end", at300, ResetTarget{Kind: ResetOffset, Offset: 9000}, nil, 500,
			"9000 is past the log end; set to 500"},
		{"offset before the start", none, ResetTarget{Kind: ResetOffset, Offset: 7}, nil, 100,
			"7 is before the log start; set to 100"},
		{"shift back", at300, ResetTarget{Kind: ResetShift, Shift: -50}, nil, 250, ""},
		{"shift back too far", at300, ResetTarget{Kind: ResetShift, Shift: -1000}, nil, 100,
			"-700 is before the log start; set to 100"},
		{"shift forward too far", at300, ResetTarget{Kind: ResetShift, Shift: 201}, nil, 500,
			"501 is past the log end; set to 500"},
		{"time", at300, ResetTarget{Kind: ResetTime, Ago: time.Hour}, map[int32]int64{2: 420}, 420, ""},
		{"time with no later record", at300, ResetTarget{Kind: ResetTime, Ago: time.Hour}, map[int32]int64{2: 500}, 500, ""},
	} {
		pr, err := planPartition(pb, tc.committed, tc.target, tc.byTime)
		if err != nil || pr.New != tc.want || pr.Warning != tc.warning || pr.Start != 100 || pr.End != 500 {
			t.Errorf("%s: %+v, %v; want new %d, warning %q", tc.name, pr, err, tc.want, tc.warning)
		}
		if _, has := tc.committed[2]; pr.Current != map[bool]int64{true: 300, false: -1}[has] {
			t.Errorf("%s: current %d", tc.name, pr.Current)
		}
	}
	if _, err := planPartition(pb, none, ResetTarget{Kind: ResetShift, Shift: 1}, nil); err == nil ||
		!strings.Contains(err.Error(), "no committed offset here to shift") {
		t.Errorf("shifting where nothing is committed: %v", err)
	}
}

func TestResetPlanChangeAndOffsets(t *testing.T) {
	plan := ResetPlan{Group: "g", Topic: "t", Partitions: []PartitionReset{
		{Partition: 0, Current: 300, New: 100}, {Partition: 1, Current: -1, New: 40},
	}}
	if c, ok := plan.Partitions[0].Change(); !ok || c != -200 {
		t.Errorf("change %d %v, want -200", c, ok)
	}
	if _, ok := plan.Partitions[1].Change(); ok {
		t.Error("change known where nothing was committed")
	}
	offs := plan.Offsets()
	if len(offs) != 2 || offs[backends.TopicPartition{Topic: "t", Partition: 0}] != 100 ||
		offs[backends.TopicPartition{Topic: "t", Partition: 1}] != 40 {
		t.Errorf("offsets %v", offs)
	}
}

func TestOnlyInactiveGroupsMayBeReset(t *testing.T) {
	for _, tc := range []struct {
		state   string
		members int
		want    string
	}{
		{"Empty", 0, ""},
		{"Dead", 0, ""},
		{"Stable", 2, "group billing is Stable with 2 members; stop its consumers first — offsets can only be reset on an inactive group"},
		{"PreparingRebalance", 1, "group billing is PreparingRebalance with 1 member; stop its consumers first — offsets can only be reset on an inactive group"},
		{"", 0, "group billing is in an unknown state with 0 members; stop its consumers first — offsets can only be reset on an inactive group"},
	} {
		err := ResetPlan{Group: "billing", State: tc.state, Members: tc.members}.CheckInactive()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || err.Error() != tc.want || !errors.Is(err, ErrGroupActive)) {
			t.Errorf("%s with %d: %v; want %q", tc.state, tc.members, err, tc.want)
		}
	}
}

// Every mutation asks the guard before anything else, so read-only mode refuses it even before the
// backend is looked at (here there is none).
func TestMutationsRefusedReadOnly(t *testing.T) {
	ctx := context.Background()
	ro := NewSession(nil, config.Context{Name: "prod", ReadOnly: true})
	_, purgeErr := ro.Purge(ctx, "orders")
	for name, err := range map[string]error{
		"reset offsets": ro.ResetOffsets(ctx, ResetPlan{Group: "g", State: "Empty"}),
		"purge":         purgeErr,
		"truncate":      ro.Truncate(ctx, "orders", map[int32]int64{0: 5}),
	} {
		if !errors.Is(err, ErrReadOnly) || !strings.HasPrefix(err.Error(), name+` refused: context "prod" is read-only`) {
			t.Errorf("%s in read-only mode: %v", name, err)
		}
	}
}

package actions

import "time"

// Status is a partition's or group's health, by the rules of LinkedIn's Burrow.
type Status string

const (
	StatusOK     Status = "OK"
	StatusWarn   Status = "WARN"   // lag has not gone down across the window
	StatusErr    Status = "ERR"    // group level: some partition is STOP, STALL or REWIND
	StatusStop   Status = "STOP"   // the consumer stopped committing while data waits
	StatusStall  Status = "STALL"  // the consumer commits, but the same offset every time
	StatusRewind Status = "REWIND" // the committed offset went backwards
	// StatusPending is a partition behind whose window has too few commits to judge yet: never OK
	// before there is evidence.
	StatusPending Status = "…"
	// StatusNone is no verdict at all: nothing committed to judge (a group with no partitions, or a
	// partition the group never committed on). Front ends show it as unknown, never as OK.
	StatusNone Status = ""
)

// DefaultWindow is how many commits per partition the verdict looks at; MinCommits is how many it needs
// before it judges a partition that is behind (StatusPending until then).
const (
	DefaultWindow = 10
	MinCommits    = 3
)

// Commit is one observed committed offset, with the partition's lag at the time.
type Commit struct {
	Offset int64
	At     time.Time
	Lag    int64
}

// Judge applies Burrow's rules to one partition's window of commits (oldest first). currentLag is the lag
// now; end is the log end offset now; allowedLag is the lag that counts as caught up (default 0).
func Judge(window []Commit, currentLag, end, allowedLag int64, now time.Time) Status {
	switch {
	case currentLag <= allowedLag:
		return StatusOK
	case len(window) < MinCommits:
		return StatusPending
	}
	first, last := window[0], window[len(window)-1]
	if now.Sub(last.At) > last.At.Sub(first.At) && end > last.Offset {
		return StatusStop
	}
	for i := 1; i < len(window); i++ {
		if window[i].Offset < window[i-1].Offset {
			return StatusRewind
		}
	}
	for _, c := range window {
		if c.Lag <= allowedLag {
			return StatusOK
		}
	}
	if first.Offset == last.Offset {
		return StatusStall // offsets never decrease here (no rewind), so equal ends mean all equal
	}
	for i := 1; i < len(window); i++ {
		if window[i].Lag < window[i-1].Lag {
			return StatusOK
		}
	}
	return StatusWarn
}

// GroupStatus is a group's verdict: as bad as its worst partition, with STOP, STALL and REWIND reported
// as ERR; pending while a partition behind is not judged yet and none is judged bad. Partitions without
// a verdict (nothing committed) add nothing: a group none of whose partitions has one has none either
// (StatusNone), so a group with no offsets never reads OK.
func GroupStatus(partitions []Status) Status {
	worst := StatusNone
	for _, s := range partitions {
		switch s {
		case StatusStop, StatusStall, StatusRewind, StatusErr:
			return StatusErr
		case StatusWarn:
			worst = StatusWarn
		case StatusPending:
			if worst == StatusNone || worst == StatusOK {
				worst = StatusPending
			}
		case StatusOK:
			if worst == StatusNone {
				worst = StatusOK
			}
		}
	}
	return worst
}

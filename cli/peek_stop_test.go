package cli

import (
	"errors"
	"testing"
)

// A peek that a broker ended says how far it got after the broker's reason; one that ended before any
// message says the reason alone; an interrupted one with -n says how many of how many.
func TestPeekStoppedSaysHowFar(t *testing.T) {
	gone := errors.New("peek orders: connection reset by peer")
	for _, c := range []struct {
		count, limit int
		why          error
		want         string
	}{
		{7311, 0, gone, "peek orders: connection reset by peer (stopped after 7,311 messages from orders; the output is incomplete)"},
		{0, 0, gone, "peek orders: connection reset by peer"},
		{7311, 34555, errInterrupted, "interrupted: stopped after 7,311 of 34,555 messages from orders; the output is incomplete"},
		{0, 0, errInterrupted, "interrupted: stopped after 0 messages from orders; the output is incomplete"},
	} {
		if got := peekStopped("orders", c.count, c.limit, c.why).Error(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

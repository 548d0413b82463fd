package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
)

// searchReader is peek --where: the range is scanned on the client, every message tested, the matches
// written; a line on stderr counts what was scanned and matched, and closes with the totals and the rate.
func (a *app) searchReader(req backends.PeekRequest, o peekOptions, dec *decode.Decoder) (reader, error) {
	where, err := actions.CompileWhere(o.where)
	if err != nil {
		return nil, usageError{err}
	}
	if o.follow {
		return nil, usageError{errors.New("--where scans a range to its end; it does not --follow")}
	}
	search := actions.SearchRequest{Source: req.Destination, From: req.From, Partitions: req.Partitions,
		Limit: req.Limit, Where: where}
	if o.until != "" {
		until, err := actions.ParsePosition(o.until, time.Now())
		if err != nil || (until.Kind != backends.AtOffset && until.Kind != backends.AtTime) {
			return nil, usageError{fmt.Errorf("--until %q: want an offset, @RFC3339 time or @-DURATION", o.until)}
		}
		search.Until = &until
	}
	return func(ctx context.Context, b backends.Backend, write func(backends.Message) error) error {
		if dec != nil {
			where.Decoded = present.WhereBody(ctx, dec)
		}
		bar := a.progress("searching")
		p, err := actions.Search(ctx, b, search, write, func(p actions.SearchProgress) {
			bar.updateText(searchLine(p))
		})
		bar.clear()
		a.warn(searchLine(p))
		return err
	}, nil
}

// searchLine is, for example, "scanned 1,000,000, matched 1,000 in 2.1s (476,190/s)".
func searchLine(p actions.SearchProgress) string {
	rate := 0.0
	if p.Elapsed > 0 {
		rate = float64(p.Scanned) / p.Elapsed.Seconds()
	}
	return fmt.Sprintf("scanned %s, matched %s in %s (%s/s)", thousands(p.Scanned), thousands(p.Matched),
		roundElapsed(p.Elapsed), thousands(int64(rate)))
}

// roundElapsed rounds to tenths of a second, or to milliseconds below a second: a quick search said
// "in 0s (121,817/s)".
func roundElapsed(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

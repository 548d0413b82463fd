// Package uitest helps the TUI's tests hand a view what the broker would answer, through the view's own
// load, so that a test exercises the same path as the shell.
package uitest

import (
	"context"
	"fmt"
	"time"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/ui/common"
)

// Load runs v's load against a broker that answers with data, and returns what applies the result.
func Load(v common.View, data any) (apply func(at time.Time), err error) {
	l := v.Load()
	if l == nil {
		return nil, fmt.Errorf("%s loads nothing", v.Title())
	}
	return l.Run(context.Background(), Answering{Data: data})
}

// Answering is a broker that answers every listing with Data, when Data is of the listing's type, and
// fails otherwise.
type Answering struct{ Data any }

func (a Answering) Identity(context.Context) (backends.Identity, error) {
	return backends.Identity{}, nil
}
func (a Answering) Close() error { return nil }

func (a Answering) ListDestinations(context.Context, backends.ListOptions) ([]backends.Destination, error) {
	return answer[[]backends.Destination](a.Data)
}

func (a Answering) ListGroups(context.Context) ([]backends.ConsumerGroup, error) {
	return answer[[]backends.ConsumerGroup](a.Data)
}

func (a Answering) LagSnapshot(context.Context, []string) (backends.LagSnapshot, error) {
	return answer[backends.LagSnapshot](a.Data)
}

func (a Answering) Pending(context.Context, backends.PendingRequest) ([]backends.PendingMessage, error) {
	return answer[[]backends.PendingMessage](a.Data)
}

func answer[T any](data any) (T, error) {
	d, ok := data.(T)
	if !ok {
		return d, fmt.Errorf("the test answers with %T, not %T", data, d)
	}
	return d, nil
}

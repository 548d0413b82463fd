package actions

import (
	"context"
	"fmt"

	"github.com/mqscope/mqscope/backends"
)

// ListDestinations lists what the broker holds, or says plainly that this backend cannot.
func ListDestinations(ctx context.Context, b backends.Backend, opts backends.ListOptions) ([]backends.Destination, error) {
	l, ok := backends.AsDestinationLister(b)
	if !ok {
		return nil, fmt.Errorf("this broker cannot list destinations: %w", backends.ErrNotSupported)
	}
	dests, err := l.ListDestinations(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list destinations: %w", err)
	}
	return dests, nil
}

// ListGroups lists consumer groups, or says plainly that this broker has none.
func ListGroups(ctx context.Context, b backends.Backend) ([]backends.ConsumerGroup, error) {
	l, ok := backends.AsGroupLister(b)
	if !ok {
		return nil, fmt.Errorf("this broker has no consumer groups (its consumers show per destination, in the listing): %w",
			backends.ErrNotSupported)
	}
	groups, err := l.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list consumer groups: %w", err)
	}
	return groups, nil
}

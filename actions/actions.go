// Package actions holds the use cases both front ends call: listing now, and later peek, publish, redrive,
// lag and offset resets. It plans, guards and reports; it draws nothing.
package actions

import (
	"context"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/config"
)

// Opener connects to the broker a context describes. main.go provides the one real opener; front ends use
// it to connect, to reconnect after a broker comes back, and to switch contexts.
type Opener func(ctx context.Context, c config.Context) (backends.Backend, error)

package cli

import (
	"context"
	"fmt"

	"github.com/mqscope/mqscope/metrics"
)

// serveMetrics listens on addr for Prometheus until ctx ends and says where on stderr; the watch hands
// the returned collector every refresh's snapshot.
func (a *app) serveMetrics(ctx context.Context, addr string) (*metrics.Collector, error) {
	c := metrics.NewCollector()
	srv, err := metrics.Listen(ctx, addr, c)
	if err != nil {
		return nil, err
	}
	a.warn(fmt.Sprintf("serving metrics on http://%s/metrics", srv.Addr))
	return c, nil
}

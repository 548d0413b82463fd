package metrics

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server serves /metrics from a Collector until its context ends.
type Server struct {
	Addr string // the address it listens on, with the port the system chose for ":0"
}

// Listen binds addr at once (so that a taken port fails before any watching starts) and serves the
// collector's snapshot, alone: no Go runtime or process series, which would describe mqscope rather than
// the brokers it watches. It stops when ctx ends.
func Listen(ctx context.Context, addr string, c *Collector) (*Server, error) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve metrics on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) // returns once shut down, below

	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	return &Server{Addr: ln.Addr().String()}, nil
}

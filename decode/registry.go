package decode

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/hamba/avro/v2/registry"
)

// Registry reads Avro schemas from a Confluent-compatible schema registry, caching them by id (in the
// client), and remembering failures for a while so that an unreachable registry costs one timeout, not
// one per message.
type Registry struct {
	client *registry.Client
	retry  time.Duration

	mu     sync.Mutex
	failed map[int]failure
}

type failure struct {
	err   error
	until time.Time
}

// NewRegistry builds a client for the registry at url.
func NewRegistry(url string) (*Registry, error) {
	c, err := registry.NewClient(url, registry.WithHTTPClient(&http.Client{Timeout: 3 * time.Second}))
	if err != nil {
		return nil, fmt.Errorf("schema registry %q: %w", url, err)
	}
	return &Registry{client: c, retry: 30 * time.Second, failed: map[int]failure{}}, nil
}

// DecodeAvro decodes an Avro payload written with schema id into plain Go values.
func (r *Registry) DecodeAvro(ctx context.Context, id int, payload []byte) (any, error) {
	schema, err := r.schema(ctx, id)
	if err != nil {
		return nil, err
	}
	var v any
	if err := avro.Unmarshal(schema, payload, &v); err != nil {
		return nil, fmt.Errorf("avro decode: %w", err)
	}
	return v, nil
}

func (r *Registry) schema(ctx context.Context, id int) (avro.Schema, error) {
	r.mu.Lock()
	f, failedBefore := r.failed[id]
	r.mu.Unlock()
	if failedBefore && time.Now().Before(f.until) {
		return nil, f.err
	}
	s, err := r.client.GetSchema(ctx, id)
	if err != nil {
		err = fmt.Errorf("schema registry: %w", err)
		r.mu.Lock()
		r.failed[id] = failure{err: err, until: time.Now().Add(r.retry)}
		r.mu.Unlock()
		return nil, err
	}
	return s, nil
}

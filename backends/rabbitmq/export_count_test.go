package rabbitmq

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/mqscope/mqscope/backends"
)

// QueueWithoutStats is queue as the management API lists it with disable_stats=true: without the
// figures, as a broker that just restarted lists its queues, read the way ListDestinations reads them.
func QueueWithoutStats(ctx context.Context, b *Backend, queue string) (backends.Destination, error) {
	var q apiQueue
	err := b.api.get(ctx, "/api/queues/"+segment(b.vhost)+"/"+segment(queue), url.Values{"disable_stats": {"true"}}, &q)
	return q.destination(), err
}

// DecodeQueue reads one queue object of the management API the way ListDestinations does.
func DecodeQueue(data []byte) (backends.Destination, error) {
	var q apiQueue
	err := json.Unmarshal(data, &q)
	return q.destination(), err
}

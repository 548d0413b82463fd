package rabbitmq

import "context"

// Exists is exists, for the tests.
func (b *Backend) Exists(ctx context.Context, queue string) (bool, error) {
	return b.exists(ctx, queue)
}

package rabbitmq

import "net/http"

// WrapTransport lets tests see (and count) the management API requests a backend makes.
func WrapTransport(b *Backend, wrap func(http.RoundTripper) http.RoundTripper) {
	b.api.http.Transport = wrap(b.api.http.Transport)
}

// DropConnection closes the backend's AMQP connection under it, as a broker restart would.
func DropConnection(b *Backend) error {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	return b.conn.Close()
}

package rabbitmq_test

import (
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"github.com/mqscope/mqscope/backends/backendtest"
	"github.com/mqscope/mqscope/internal/testkit/iobound"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// These tests wait on the broker (its statistics, nodes booting, messages given back) far more than
// they compute.
func TestMain(m *testing.M) { os.Exit(iobound.Run(m)) }

// fixture is the test's private vhost (internal/testkit/rabbitfix): it puts data on the broker with plain
// amqp091-go and the management API, never through the adapter under test, and goes with the test.
type fixture struct{ *rabbitfix.Vhost }

func newFixture(t testing.TB) *fixture { return &fixture{rabbitfix.New(t)} }

// bodies are "message 0" … "message n-1", as the conformance suite wants them.
var bodies = backendtest.Bodies

// countingTransport counts the requests that pass through it.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func counting(n *atomic.Int64) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper { return countingTransport{next: next, n: n} }
}

// roundTripper is a function as an http.RoundTripper, for a test that changes what the API answers.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

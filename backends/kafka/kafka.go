// Package kafka is the Kafka adapter, built on github.com/IBM/sarama.
//
// It talks to brokers one request at a time through sarama's *Broker rather than through sarama's Client:
// the client fetches metadata for every topic on its own schedule and offers offsets one partition at a
// time, while a console listing thousands of topics must decide exactly which requests go out. Every
// listing here costs one cluster-wide request plus one or two per broker, never one per topic.
package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/rcrowley/go-metrics"

	"github.com/mqscope/mqscope/backends"
)

func init() {
	// sarama registers live meters for every broker connection, each ticked by a background goroutine.
	// mqscope reads none of them.
	metrics.UseNilMetrics = true
}

// Config says how to reach a Kafka cluster. The zero value of every field but Brokers is a sensible
// default.
type Config struct {
	Brokers []string // bootstrap host:port addresses
	// ClientID names mqscope in the brokers' logs and quotas; empty means "mqscope".
	ClientID string
	// DialTimeout bounds each TCP connection attempt; zero means 5 s. Open as a whole gives up after
	// twice this, or earlier when its context ends.
	DialTimeout time.Duration
	// RequestTimeout bounds each request once connected; zero means 15 s.
	RequestTimeout time.Duration
	// SASL, when set, authenticates every connection (see SASL).
	SASL *SASL
	// TLS, when set, encrypts every connection and verifies the brokers (see TLS).
	TLS *TLS
}

const (
	defaultClientID       = "mqscope"
	defaultDialTimeout    = 5 * time.Second
	defaultRequestTimeout = 15 * time.Second
)

// protocolCeiling is the newest Kafka release whose request versions sarama may use. It is a ceiling, not
// a requirement: on connecting, sarama asks each broker which versions it speaks (ApiVersions) and clamps
// every request to them, so older clusters (0.10 and later) get older versions. 2.8 brings flexible
// Metadata and ListOffsets and ListGroups with group states; 3.0 brings OffsetFetch v8, which fetches
// many groups' offsets in one request.
var protocolCeiling = sarama.V3_0_0_0

func (c Config) dialTimeout() time.Duration {
	if c.DialTimeout > 0 {
		return c.DialTimeout
	}
	return defaultDialTimeout
}

func (c Config) saramaConfig() (*sarama.Config, error) {
	sc := sarama.NewConfig()
	sc.ClientID = cmp.Or(c.ClientID, defaultClientID)
	sc.Version = protocolCeiling
	sc.Net.DialTimeout = c.dialTimeout()
	timeout := c.RequestTimeout
	if timeout <= 0 {
		timeout = defaultRequestTimeout
	}
	sc.Net.ReadTimeout, sc.Net.WriteTimeout = timeout, timeout
	if err := c.SASL.apply(sc); err != nil {
		return nil, err
	}
	if err := applyTLS(c.TLS, sc); err != nil {
		return nil, err
	}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("kafka settings: %w", err)
	}
	return sc, nil
}

// Backend is a connection to one Kafka cluster. It is safe for concurrent use.
type Backend struct {
	conf     *sarama.Config
	links    *links // the connections of the backend's own requests
	pubLinks *links // its publisher's
	seeds    []string
	address  string // the seeds as the user wrote them, for errors
	apiKeys  map[int16]sarama.ApiVersionsResponseKey
	version  string

	mu      sync.Mutex
	brokers map[string]*sarama.Broker // by host:port, connected on demand
	known   []string                  // addresses of the cluster's brokers from the last metadata
	closed  bool

	producerMu sync.Mutex
	sendMu     sync.Mutex    // one Send at a time hands messages over
	publisher  *kgoProducer  // Publish's, started on first use
	spread     atomic.Uint64 // turns of keyless messages over partitions

	topoMu sync.Mutex
	topo   *topology // the last Metadata answer, reused for up to topologyMaxAge

	limits limits // the largest batch each topic takes
}

var (
	_ backends.Backend            = (*Backend)(nil)
	_ backends.DestinationLister  = (*Backend)(nil)
	_ backends.GroupLister        = (*Backend)(nil)
	_ backends.Peeker             = (*Backend)(nil)
	_ backends.LagReader          = (*Backend)(nil)
	_ backends.OffsetResetter     = (*Backend)(nil)
	_ backends.Truncator          = (*Backend)(nil)
	_ backends.Publisher          = (*Backend)(nil)
	_ backends.PipelinedPublisher = (*Backend)(nil)
	_ backends.Mover              = (*Backend)(nil)
	_ backends.MoveResumer        = (*Backend)(nil)
)

// Open connects to the first bootstrap broker that answers and learns which protocol versions the cluster
// speaks. It fails within twice cfg.DialTimeout, or when ctx ends, with a backends.ConnectError naming
// the addresses.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("no Kafka brokers given (set --kafka host:port or a context's kafka.brokers)")
	}
	conf, err := cfg.saramaConfig()
	if err != nil {
		return nil, err
	}
	b := &Backend{
		conf:     conf,
		links:    newLinks(conf.Net.DialTimeout, conf.Net.KeepAlive),
		pubLinks: newLinks(conf.Net.DialTimeout, conf.Net.KeepAlive),
		seeds:    slices.Clone(cfg.Brokers),
		address:  strings.Join(cfg.Brokers, ","),
		brokers:  make(map[string]*sarama.Broker),
	}
	b.links.use(conf)
	ctx, cancel := context.WithTimeout(ctx, 2*cfg.dialTimeout())
	defer cancel()
	keys, err := await(ctx, b.handshake)
	if err != nil {
		go b.Close() // a dial may still be under way; closing waits for it
		return nil, b.connectError(err)
	}
	b.apiKeys = keys
	b.version = guessVersion(keys)
	return b, nil
}

// handshake asks the first seed that answers for its ApiVersions. Trying seeds in order, not in
// parallel, keeps a healthy cluster to one connection.
func (b *Backend) handshake() (map[int16]sarama.ApiVersionsResponseKey, error) {
	var failures seedFailures
	for _, addr := range b.seeds {
		keys, err := b.apiVersions(addr)
		if err == nil {
			return keys, nil
		}
		if errors.Is(err, sarama.ErrSASLAuthenticationFailed) || errors.Is(err, sarama.ErrUnsupportedSASLMechanism) {
			return nil, err
		}
		if b.conf.Net.SASL.Enable && b.answersWithoutSASL(addr) {
			// It speaks to us, but not once we authenticate: it refused the credentials by closing the
			// connection, as Kafka before 1.0 and some proxies do.
			return nil, fmt.Errorf("%w (the broker closed the connection while authenticating): %w",
				sarama.ErrSASLAuthenticationFailed, err)
		}
		failures = append(failures, diagnose(addr, err, b.conf.Net.TLS.Enable))
	}
	return nil, failures
}

// answersWithoutSASL says whether the broker at addr answers ApiVersions on a connection that does not
// authenticate (brokers answer it before authentication).
func (b *Backend) answersWithoutSASL(addr string) bool {
	conf := *b.conf
	conf.Net.SASL.Enable = false
	br := sarama.NewBroker(addr)
	if err := br.Open(&conf); err != nil {
		return false
	}
	defer br.Close()
	_, err := br.Connected() // sarama sends ApiVersions as it connects
	return err == nil
}

// seedFailures are the reasons each seed failed, on one line.
type seedFailures []error

func (f seedFailures) Error() string {
	texts := make([]string, len(f))
	for i, err := range f {
		texts[i] = oneLine(err)
	}
	return strings.Join(texts, "; ")
}

func (f seedFailures) Unwrap() []error { return f }

func (b *Backend) apiVersions(addr string) (map[int16]sarama.ApiVersionsResponseKey, error) {
	var resp *sarama.ApiVersionsResponse
	err := b.request(nil, addr, func(br *sarama.Broker) (err error) {
		resp, err = br.ApiVersions(&sarama.ApiVersionsRequest{
			Version: 3, ClientSoftwareName: "mqscope", ClientSoftwareVersion: "1",
		})
		if err == nil && resp.ErrorCode != 0 {
			err = sarama.KError(resp.ErrorCode)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	keys := make(map[int16]sarama.ApiVersionsResponseKey, len(resp.ApiKeys))
	for _, k := range resp.ApiKeys {
		keys[k.ApiKey] = k
	}
	return keys, nil
}

func (b *Backend) connectError(err error) error {
	var known *diagnosed
	switch {
	case errors.Is(err, sarama.ErrSASLAuthenticationFailed):
		return backends.AuthFailed(backends.Kafka, b.address,
			fmt.Errorf("the broker refused user %q with %s", b.conf.Net.SASL.User, b.conf.Net.SASL.Mechanism))
	case errors.Is(err, sarama.ErrUnsupportedSASLMechanism):
		return &backends.ConnectError{Kind: backends.Kafka, Address: b.address, Cause: backends.ErrAuth,
			Detail: fmt.Sprintf("the broker does not offer %s", b.conf.Net.SASL.Mechanism),
			Hint:   "set sasl.mechanism to one the broker offers"}
	case errors.As(err, &known):
		return &backends.ConnectError{Kind: backends.Kafka, Address: b.address, Cause: backends.ErrUnreachable,
			Detail: oneLine(err), Hint: known.hint}
	case errors.Is(err, context.DeadlineExceeded) && b.conf.Net.TLS.Enable:
		// Some plaintext listeners wait for the rest of what they take for a huge request.
		return &backends.ConnectError{Kind: backends.Kafka, Address: b.address, Cause: backends.ErrUnreachable,
			Detail: "no answer in time", Hint: "check the address, that the broker is running, and that this port speaks TLS"}
	case errors.Is(err, context.DeadlineExceeded):
		err = errors.New("no answer in time")
	}
	return backends.Unreachable(backends.Kafka, b.address, errors.New(oneLine(err)))
}

// oneLine keeps an error's text on one line: sarama sometimes joins causes with newlines.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// broker returns the connection to addr, connecting if it is not connected (again). sarama closes a
// broker's connection on a network error; the next call here reconnects it.
func (b *Backend) broker(addr string) (*sarama.Broker, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errors.New("kafka backend is closed")
	}
	br, ok := b.brokers[addr]
	if !ok {
		br = sarama.NewBroker(addr)
		b.brokers[addr] = br
	}
	// Open only starts the dial; starting it under b.mu means a concurrent Close sees it and waits.
	err := br.Open(b.conf)
	b.mu.Unlock()
	if err != nil && !errors.Is(err, sarama.ErrAlreadyConnected) {
		return nil, atAddr(addr, err)
	}
	if _, err := br.Connected(); err != nil { // waits for the dial and the SASL exchange
		b.forget(addr, br)
		return nil, atAddr(addr, err)
	}
	return br, nil
}

// forget drops the connection to addr after a request on it failed in a way that may have broken it,
// so that the next request dials again rather than meet the same stale error.
func (b *Backend) forget(addr string, br *sarama.Broker) {
	b.mu.Lock()
	if b.brokers[addr] == br {
		delete(b.brokers, addr)
	}
	b.mu.Unlock()
	go br.Close() // after the requests still on it, which fail as it closes; ErrNotConnected when never connected
}

// abandoned drops every connection of the backend's own requests, after work that ran out of time (its
// context's deadline passed) while a request may still wait on a link that answers nothing: sarama would
// queue the next requests behind it until its read timeout. The next request dials afresh. Requests
// other work has on those connections fail and may be tried again; a cancellation by the user says
// nothing about the link and drops nothing.
func (b *Backend) abandoned() {
	b.mu.Lock()
	brokers := b.brokers
	b.brokers = make(map[string]*sarama.Broker)
	b.mu.Unlock()
	b.links.closeAll()
	for _, br := range brokers {
		go br.Close() // returns once the requests on it failed, which closing their sockets made quick
	}
}

// meter counts the broker requests one operation sends. A nil meter counts nothing.
type meter struct{ n atomic.Int64 }

func (m *meter) count() int {
	if m == nil {
		return 0
	}
	return int(m.n.Load())
}

// request sends one request to the broker at addr, connecting first if need be, and counts it on m.
// Every request the adapter sends on its shared connections goes through here (connecting aside: its
// ApiVersions and SASL exchange belong to the connection), so that counts such as LagSnapshot.Requests
// are exact. send must send exactly one request.
func (b *Backend) request(m *meter, addr string, send func(*sarama.Broker) error) error {
	br, err := b.broker(addr)
	if err != nil {
		return err
	}
	if m != nil {
		m.n.Add(1)
	}
	if err := send(br); err != nil {
		if brokenLink(err) {
			b.forget(addr, br)
		}
		return atAddr(addr, err)
	}
	return nil
}

// atAddr says which broker an error came from, unless the error says so already (dial errors do).
func atAddr(addr string, err error) error {
	if strings.Contains(err.Error(), addr) {
		return err
	}
	return fmt.Errorf("%s: %w", addr, err)
}

// onAnyBroker sends one request, through send, to some broker of the cluster: first the brokers the last
// answer named, then the seeds, moving on while a broker cannot be reached or the request fails on it.
func (b *Backend) onAnyBroker(m *meter, send func(*sarama.Broker) error) error {
	b.mu.Lock()
	candidates := append(slices.Clone(b.known), b.seeds...)
	b.mu.Unlock()
	var errs []string
	tried := make(map[string]bool, len(candidates))
	for _, addr := range candidates {
		if tried[addr] {
			continue
		}
		tried[addr] = true
		err := b.request(m, addr, send)
		if err == nil {
			return nil
		}
		errs = append(errs, oneLine(err))
	}
	return fmt.Errorf("no Kafka broker answered: %s", strings.Join(errs, "; "))
}

// Close releases every connection at once, even those a partition holds up: requests still waiting
// fail, and messages still in flight may or may not have arrived. It is safe to call more than once.
func (b *Backend) Close() error {
	b.mu.Lock()
	brokers := b.brokers
	b.brokers, b.closed = map[string]*sarama.Broker{}, true
	b.mu.Unlock()
	b.links.cutAll()
	b.pubLinks.cutAll()
	for _, br := range brokers {
		_ = br.Close() // ErrNotConnected for brokers never used: nothing to release
	}
	b.producerMu.Lock() // waits for a producer being started
	p := b.publisher
	b.publisher = nil
	b.producerMu.Unlock()
	if p != nil {
		closeSoon(p)
	}
	return nil
}

// closeSoon closes a producer whose connections are cut, giving it a moment to hand back what it
// holds; its retries cannot reach a broker any more, so what it still does is bookkeeping.
func closeSoon(p interface{ Close() error }) {
	done := make(chan struct{})
	go func() {
		_ = p.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeGrace):
	}
}

// closeGrace is how long closing waits for a producer whose connections are cut.
const closeGrace = time.Second

// await runs fn, which blocks inside sarama where no context reaches, and gives up when ctx ends first.
// fn then runs on until sarama's own timeouts end it, and its result is dropped.
func await[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

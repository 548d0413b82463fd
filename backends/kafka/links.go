package kafka

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// links dials the connections of one set of users (the backend's own requests, or one producer) and can
// cut them all at once. That is what ends work stuck in a partition: sarama holds a broker's lock while
// a request waits for its answer, up to the read timeout, and closing the broker waits for that lock,
// while closing the socket ends the wait at once.
type links struct {
	dialer net.Dialer
	mu     sync.Mutex
	conns  map[*link]struct{}
	cut    bool
}

// errCut is the error of a dial after cutAll.
var errCut = errors.New("connections closed: the operation ended")

func newLinks(dialTimeout, keepAlive time.Duration) *links {
	return &links{dialer: net.Dialer{Timeout: dialTimeout, KeepAlive: keepAlive}, conns: make(map[*link]struct{})}
}

// use makes conf dial through l (sarama's proxy hook: it still wraps the connection in TLS itself).
func (l *links) use(conf *sarama.Config) {
	conf.Net.Proxy.Enable = true
	conf.Net.Proxy.Dialer = l
}

// Dial connects, within the dial timeout, unless the links were cut.
func (l *links) Dial(network, addr string) (net.Conn, error) {
	return l.DialContext(context.Background(), network, addr)
}

// DialContext is Dial, given up when ctx ends.
func (l *links) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	l.mu.Lock()
	cut := l.cut
	l.mu.Unlock()
	if cut {
		return nil, errCut
	}
	c, err := l.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	lk := &link{Conn: c, of: l}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut { // cut while dialling
		c.Close()
		return nil, errCut
	}
	l.conns[lk] = struct{}{}
	return lk, nil
}

// cutAll closes every connection and refuses new ones.
func (l *links) cutAll() {
	l.mu.Lock()
	l.cut = true
	l.mu.Unlock()
	l.closeAll()
}

// closeAll closes every connection open now.
func (l *links) closeAll() {
	l.mu.Lock()
	conns := l.conns
	l.conns = make(map[*link]struct{})
	l.mu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

// link is one connection of links, which forgets it when it closes.
type link struct {
	net.Conn
	of *links
}

func (c *link) Close() error {
	c.of.mu.Lock()
	delete(c.of.conns, c)
	c.of.mu.Unlock()
	return c.Conn.Close()
}

// brokenLink says whether a request's error leaves the connection unusable. sarama keeps a connection
// whose read timed out, and answers every later request on it with the same timeout; only a broker's
// own answer (a KError) says the connection is fine.
func brokenLink(err error) bool {
	var kerr sarama.KError
	return err != nil && !errors.As(err, &kerr)
}

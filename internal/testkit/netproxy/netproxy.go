// Package netproxy is an in-process TCP proxy for fault tests: it stands between a client and a server
// on 127.0.0.1 and can add latency, stall or blackhole every connection through it, then heal, the way
// a network partition does on a machine without netem.
package netproxy

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Mode is what the proxy does with the bytes it carries.
type Mode int

const (
	// Pass carries bytes on (after the latency, if any).
	Pass Mode = iota
	// Stall holds bytes back until the proxy heals, then delivers them: a link that stopped, as TCP
	// retransmission sees it once it comes back.
	Stall
	// Blackhole drops every byte, in both directions, and keeps the connections open: a partition in
	// which the packets are lost. New connections are accepted and blackholed too.
	Blackhole
)

// Proxy forwards every connection made to Addr to the upstream address.
type Proxy struct {
	ln       net.Listener
	upstream string

	mu      sync.Mutex
	changed *sync.Cond
	mode    Mode
	latency time.Duration
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 and forwards to upstream until the test ends.
func Start(t testing.TB, upstream string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("netproxy: %v", err)
	}
	p := &Proxy{ln: ln, upstream: upstream, conns: make(map[net.Conn]struct{})}
	p.changed = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the address clients dial instead of the upstream's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetLatency delays every chunk of bytes by d in each direction (a round trip costs 2d).
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// SetMode switches every connection, open and new, to m.
func (p *Proxy) SetMode(m Mode) {
	p.mu.Lock()
	p.mode = m
	p.changed.Broadcast()
	p.mu.Unlock()
}

// Stall holds every byte back until Heal.
func (p *Proxy) Stall() { p.SetMode(Stall) }

// Blackhole drops every byte until Heal.
func (p *Proxy) Blackhole() { p.SetMode(Blackhole) }

// Heal lets bytes through again (stalled bytes first).
func (p *Proxy) Heal() { p.SetMode(Pass) }

// Cut closes every open connection, as a reset would; new ones are accepted as before.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// Conns is how many connections (client side plus upstream side) are open through the proxy.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Close stops accepting, closes every connection and waits for the proxy's goroutines.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.changed.Broadcast()
	p.mu.Unlock()
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(client)
	}
}

// serve connects one client to the upstream. A connection made while blackholed never reaches the
// upstream: what the client sends is dropped until it gives up, as its handshake would be lost.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	p.mu.Lock()
	blackholed := p.mode == Blackhole
	p.mu.Unlock()
	if blackholed {
		_, _ = io.Copy(io.Discard, client)
		return
	}
	server, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.untrack(server)
	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); p.pump(server, client) }()
	go func() { defer both.Done(); p.pump(client, server) }()
	both.Wait()
}

// pump copies from src to dst, one chunk at a time, as the mode says.
func (p *Proxy) pump(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.forward(dst, buf[:n]) {
			return
		}
		if err != nil {
			return
		}
	}
}

// forward writes one chunk to dst as the mode says, and reports whether the copy goes on.
func (p *Proxy) forward(dst net.Conn, chunk []byte) bool {
	p.mu.Lock()
	for p.mode == Stall && !p.closed {
		p.changed.Wait()
	}
	mode, latency, closed := p.mode, p.latency, p.closed
	p.mu.Unlock()
	switch {
	case closed:
		return false
	case mode == Blackhole:
		return true
	}
	if latency > 0 {
		time.Sleep(latency)
	}
	_, err := dst.Write(chunk)
	return err == nil
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// Net is a set of proxies switched together: one in front of every broker of a cluster.
type Net struct {
	t       testing.TB
	mu      sync.Mutex
	proxies []*Proxy
}

// NewNet makes an empty set; Listen adds to it.
func NewNet(t testing.TB) *Net { return &Net{t: t} }

// Listen listens for a server on a free port and puts a proxy in front of it; the listener it returns
// reports the proxy's address as its own. Servers that advertise their listeners' addresses (kfake,
// through kfake.ListenFn(n.Listen)) so send every client, bootstrap or not, through a proxy.
func (n *Net) Listen(network, address string) (net.Listener, error) {
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	p := Start(n.t, ln.Addr().String())
	n.mu.Lock()
	n.proxies = append(n.proxies, p)
	n.mu.Unlock()
	return fronted{ln, p.ln.Addr()}, nil
}

type fronted struct {
	net.Listener
	front net.Addr
}

func (f fronted) Addr() net.Addr { return f.front }

func (n *Net) each(fn func(*Proxy)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, p := range n.proxies {
		fn(p)
	}
}

// SetMode switches every proxy of the set to m.
func (n *Net) SetMode(m Mode) { n.each(func(p *Proxy) { p.SetMode(m) }) }

// Stall holds every byte back until Heal.
func (n *Net) Stall() { n.SetMode(Stall) }

// Blackhole drops every byte until Heal.
func (n *Net) Blackhole() { n.SetMode(Blackhole) }

// Heal lets bytes through again.
func (n *Net) Heal() { n.SetMode(Pass) }

// SetLatency delays every chunk by d in each direction.
func (n *Net) SetLatency(d time.Duration) { n.each(func(p *Proxy) { p.SetLatency(d) }) }

// Cut closes every open connection.
func (n *Net) Cut() { n.each(func(p *Proxy) { p.Cut() }) }

// Conns counts the open connections through every proxy.
func (n *Net) Conns() int {
	total := 0
	n.each(func(p *Proxy) { total += p.Conns() })
	return total
}

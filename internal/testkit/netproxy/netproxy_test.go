package netproxy

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// echo serves line echo on a free port.
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					c.Write([]byte(line))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends a line and waits up to wait for it back.
func roundTrip(c net.Conn, r *bufio.Reader, wait time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return r.ReadString('\n')
}

func TestModes(t *testing.T) {
	p := Start(t, echo(t))
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got, err := roundTrip(c, r, 2*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("pass: %q, %v", got, err)
	}

	p.Stall()
	if _, err := roundTrip(c, r, 200*time.Millisecond); err == nil {
		t.Fatal("stalled: the line came back")
	}
	p.Heal()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if got, err := r.ReadString('\n'); err != nil || got != "ping\n" {
		t.Fatalf("after a stall, the held line should arrive: %q, %v", got, err)
	}

	p.Blackhole()
	if _, err := roundTrip(c, r, 200*time.Millisecond); err == nil {
		t.Fatal("blackholed: the line came back")
	}
	p.Heal()
	if got, err := roundTrip(c, r, 2*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("after a blackhole, a new line should come back (and only it): %q, %v", got, err)
	}

	p.SetLatency(100 * time.Millisecond)
	began := time.Now()
	if _, err := roundTrip(c, r, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(began); rtt < 200*time.Millisecond {
		t.Fatalf("round trip with 100 ms each way took %v", rtt)
	}

	p.Cut()
	if _, err := roundTrip(c, r, 2*time.Second); err == nil {
		t.Fatal("a cut connection still answered")
	}
}

func TestNetFrontsAdvertisedAddress(t *testing.T) {
	n := NewNet(t)
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("hi\n"))
		}
		served <- c
	}()
	defer func() {
		if c := <-served; c != nil {
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String()) // the proxy's address
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if got, err := bufio.NewReader(c).ReadString('\n'); err != nil || got != "hi\n" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}
	if n.Conns() == 0 {
		t.Fatal("the connection did not go through the proxy")
	}
}

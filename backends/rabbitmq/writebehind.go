package rabbitmq

import (
	"net"
	"sync"
	"time"
)

// writeBehind is a connection whose writes are sent by a goroutine of its own, so that what amqp091-go
// writes while a send is on the wire goes out with the next one. amqp091-go flushes after every publish
// and every acknowledgement: a mover or a publish made one write system call, and one TCP segment for the
// broker to read, per message. Order is kept (one buffer, one writer). A write that fails is reported by
// the next Write or by Close; amqp091-go shuts the connection down on either.
type writeBehind struct {
	net.Conn
	mu      sync.Mutex
	wake    *sync.Cond // the writer: there is something to send, or the connection is closing
	room    *sync.Cond // Write and Close: the buffer was taken, or the writer stopped
	buf     []byte     // waiting to go
	closing bool
	err     error // the first write error
	stopped chan struct{}
}

const (
	// writeBehindMax is how much may wait to be written before Write waits for the writer.
	writeBehindMax = 1 << 20
	// writeBehindLinger is how long Close waits for what is still to be written.
	writeBehindLinger = time.Second
)

func newWriteBehind(c net.Conn) *writeBehind {
	w := &writeBehind{Conn: c, stopped: make(chan struct{})}
	w.wake, w.room = sync.NewCond(&w.mu), sync.NewCond(&w.mu)
	go w.run()
	return w
}

func (w *writeBehind) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.err == nil && len(w.buf) >= writeBehindMax {
		w.room.Wait()
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.closing {
		return 0, net.ErrClosed
	}
	w.buf = append(w.buf, p...)
	w.wake.Signal()
	return len(p), nil
}

// run sends what Write gathered, everything gathered at once, until Close or a failed write.
func (w *writeBehind) run() {
	defer close(w.stopped)
	var out []byte
	w.mu.Lock()
	for {
		for len(w.buf) == 0 && !w.closing && w.err == nil {
			w.wake.Wait()
		}
		if len(w.buf) == 0 || w.err != nil {
			w.mu.Unlock()
			return // closing with nothing left, or failed
		}
		out, w.buf = w.buf, out[:0] // two buffers, swapped: no allocation once both have grown
		w.room.Broadcast()
		w.mu.Unlock()
		_, err := w.Conn.Write(out)
		w.mu.Lock()
		if err != nil {
			w.err = err
			w.room.Broadcast()
		}
	}
}

// Close sends what is waiting (amqp091-go's connection.close-ok, say), then closes the connection. A
// peer that takes nothing for writeBehindLinger does not hold it up: closing the socket ends the write.
func (w *writeBehind) Close() error {
	w.mu.Lock()
	w.closing = true
	w.wake.Broadcast()
	w.mu.Unlock()
	select {
	case <-w.stopped:
		return w.Conn.Close()
	case <-time.After(writeBehindLinger):
		err := w.Conn.Close()
		<-w.stopped
		return err
	}
}

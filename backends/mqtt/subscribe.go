package mqtt

import (
	"context"
	"fmt"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/mqscope/mqscope/redact"
)

// retainedQuiet is how long after the broker acknowledged a subscription a read waits for more of the
// retained messages it sends; they come at once, ahead of the acknowledgement of the barrier.
const retainedQuiet = 150 * time.Millisecond

// subscription is a connection of its own subscribed to some filters; its messages arrive on msgs, in
// the order the broker sent them, until the connection ends.
type subscription struct {
	client *paho.Client
	msgs   chan *paho.Publish
	done   chan struct{}
}

// subscribe dials and subscribes filters at QoS 2 (so that a message arrives at the QoS it was published
// with). With retained false the broker sends no retained messages. When subscribe returns, every
// retained message the broker had for the filters is already on its way: a second subscription, to a
// topic of its own, acknowledged after them on the same connection, is the barrier.
func (b *Backend) subscribe(ctx context.Context, filters []string, retained bool, buffer int) (*subscription, error) {
	s := &subscription{msgs: make(chan *paho.Publish, buffer), done: make(chan struct{})}
	c, err := b.dial(ctx, b.scanID(), func(p *paho.Publish) {
		select {
		case s.msgs <- p:
		case <-s.done:
		}
	})
	if err != nil {
		return nil, err
	}
	s.client = c
	handling := byte(0)
	if !retained {
		handling = 2
	}
	sub := &paho.Subscribe{}
	for _, f := range filters {
		sub.Subscriptions = append(sub.Subscriptions, paho.SubscribeOptions{Topic: f, QoS: 2, RetainHandling: handling})
	}
	barrier := &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "$mqscope-barrier/" + randomHex(), QoS: 0}}}
	for _, sb := range []*paho.Subscribe{sub, barrier} {
		if err := b.acknowledged(ctx, c, sb); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// acknowledged subscribes and turns a refused filter into one line naming it.
func (b *Backend) acknowledged(ctx context.Context, c *paho.Client, sb *paho.Subscribe) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	ack, err := c.Subscribe(ctx, sb)
	if ack != nil {
		for i, code := range ack.Reasons {
			if code >= 0x80 && i < len(sb.Subscriptions) {
				return fmt.Errorf("subscribe to %q: the broker refused it (reason 0x%02x: %s)",
					sb.Subscriptions[i].Topic, code, reasonText(code))
			}
		}
	}
	if err != nil {
		return fmt.Errorf("subscribe: %s", redact.Text(err.Error()))
	}
	return nil
}

func (s *subscription) close() {
	close(s.done)
	if s.client != nil {
		_ = s.client.Disconnect(&paho.Disconnect{})
	}
}

// retained reads the retained messages of filter, waiting at most wait for them.
func (b *Backend) retained(ctx context.Context, filter string, wait time.Duration) ([]*paho.Publish, error) {
	s, err := b.subscribe(ctx, []string{filter}, true, 64)
	if err != nil {
		return nil, err
	}
	defer s.close()
	var out []*paho.Publish
	quiet := time.NewTimer(retainedQuiet)
	defer quiet.Stop()
	deadline := time.After(wait)
	for {
		select {
		case p := <-s.msgs:
			if !p.Retain {
				return out, nil // live traffic comes after the retained messages
			}
			out = append(out, p)
			quiet.Reset(retainedQuiet)
		case <-quiet.C:
			return out, nil
		case <-deadline:
			return out, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// reasonText names the MQTT 5 reason codes a subscription or publication is refused with.
func reasonText(code byte) string {
	switch code {
	case 0x87:
		return "not authorized"
	case 0x8F:
		return "topic filter invalid"
	case 0x90:
		return "topic name invalid"
	case 0x95:
		return "packet too large"
	case 0x97:
		return "quota exceeded"
	case 0x99:
		return "payload format invalid"
	case 0x9A:
		return "retain not supported"
	case 0x9B:
		return "QoS not supported"
	case 0x9E:
		return "shared subscriptions not supported"
	case 0xA2:
		return "wildcard subscriptions not supported"
	}
	return "unspecified error"
}

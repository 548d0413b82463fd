package mqtt

import (
	"context"
	"errors"
	"fmt"

	"github.com/eclipse/paho.golang/paho"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/redact"
)

// Publish sends each message at its target's QoS (1 unless it says), retained when the target says so, with its headers as
// MQTT 5 user properties. At QoS 1 and 2 the broker acknowledged it; at QoS 0 it was written to the
// connection, which is all QoS 0 promises. MQTT has no message key: a key is not sent.
func (b *Backend) Publish(ctx context.Context, msgs []backends.Outgoing) ([]error, error) {
	c, err := b.client(ctx)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		errs[i] = b.publishOne(ctx, c, m)
		if errors.Is(errs[i], backends.ErrUnreachable) {
			return nil, errs[i]
		}
	}
	return errs, nil
}

func (b *Backend) publishOne(ctx context.Context, c *paho.Client, o backends.Outgoing) error {
	t := o.Target
	if err := validTopic(t.Destination); err != nil {
		return err
	}
	qos := 1
	if t.QoS != nil {
		qos = *t.QoS
	}
	if qos < 0 || qos > 2 {
		return fmt.Errorf("QoS %d: MQTT has QoS 0, 1 and 2", qos)
	}
	p := &paho.Publish{Topic: t.Destination, QoS: byte(qos), Retain: t.Retain, Payload: o.Message.Body,
		Properties: &paho.PublishProperties{}}
	for _, h := range o.Message.Headers {
		p.Properties.User.Add(h.Key, string(h.Value))
	}
	if pr := o.Message.Properties; pr != nil {
		p.Properties.ContentType, p.Properties.ResponseTopic = pr.ContentType, pr.ReplyTo
		if pr.CorrelationID != "" {
			p.Properties.CorrelationData = []byte(pr.CorrelationID)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	resp, err := c.Publish(ctx, p)
	if resp != nil && resp.ReasonCode >= 0x80 {
		return fmt.Errorf("publish to %q: the broker refused it (reason 0x%02x: %s)", t.Destination, resp.ReasonCode,
			reasonText(resp.ReasonCode))
	}
	if err != nil {
		select {
		case <-c.Done():
			return fmt.Errorf("publish to %q: %w", t.Destination, backends.Unreachable(backends.MQTT, b.addr, err))
		default:
		}
		return fmt.Errorf("publish to %q: %s", t.Destination, redact.Text(err.Error()))
	}
	return nil
}

// Purge clears topic's retained message by publishing an empty retained message (QoS 1) and says how
// many it removed: 1, or 0 when the topic held none. Messages already delivered to subscribers stay
// theirs: MQTT keeps nothing else to remove.
func (b *Backend) Purge(ctx context.Context, topic string) (int64, error) {
	if err := validTopic(topic); err != nil {
		return 0, err
	}
	held, err := b.retained(ctx, topic, b.cfg.Timeout)
	if err != nil {
		return 0, fmt.Errorf("clear the retained message of %q: %w", topic, err)
	}
	if len(held) == 0 {
		return 0, nil
	}
	errs, err := b.Publish(ctx, []backends.Outgoing{{Target: backends.Target{Destination: topic, Retain: true}}})
	if err == nil {
		err = errs[0]
	}
	if err != nil {
		return 0, fmt.Errorf("clear the retained message of %q: %w", topic, err)
	}
	return int64(len(held)), nil
}

package mqtt

import (
	"context"
	"fmt"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/mqscope/mqscope/backends"
)

// Peek subscribes to req.Destination, a topic or a filter with + and #, and hands over the retained
// messages it matches (unless From is Latest) and then, when following, every message that arrives,
// until ctx ends. Without Follow it ends after the retained messages: they are all an MQTT topic holds.
// Subscribing takes nothing from anyone: every subscriber gets its own copy.
func (b *Backend) Peek(ctx context.Context, req backends.PeekRequest, emit func(backends.Message) error) error {
	if req.Destination == "" {
		return fmt.Errorf("peek needs a topic or a filter such as sensors/+/temperature or sensors/#")
	}
	withRetained := req.From.Kind != backends.Latest
	if !withRetained && !req.Follow {
		return nil // nothing held is wanted and nothing new is awaited
	}
	s, err := b.subscribe(ctx, []string{req.Destination}, withRetained, 256)
	if err != nil {
		return fmt.Errorf("peek %s: %w", req.Destination, err)
	}
	defer s.close()
	quiet := time.NewTimer(retainedQuiet)
	defer quiet.Stop()
	var n int64
	for {
		select {
		case p := <-s.msgs:
			if !p.Retain && !req.Follow {
				return nil
			}
			if err := emit(message(p, n)); err != nil {
				return err
			}
			if n++; req.Limit > 0 && n >= int64(req.Limit) {
				return nil
			}
			if p.Retain {
				quiet.Reset(retainedQuiet)
			}
		case <-quiet.C:
			if !req.Follow {
				return nil
			}
		case <-s.client.Done():
			return fmt.Errorf("peek %s: %w", req.Destination, backends.Unreachable(backends.MQTT, b.addr,
				fmt.Errorf("the broker closed the connection")))
		case <-ctx.Done():
			if req.Follow {
				return nil
			}
			return ctx.Err()
		}
	}
}

// message is a received PUBLISH as a backends.Message: user properties are its headers, and its time is
// when it arrived (MQTT carries none).
func message(p *paho.Publish, n int64) backends.Message {
	m := backends.Message{Destination: p.Topic, Offset: n, Timestamp: time.Now(), Body: p.Payload,
		MQTT: &backends.MQTTDelivery{QoS: int(p.QoS), Retained: p.Retain}}
	if pp := p.Properties; pp != nil {
		for _, u := range pp.User {
			m.Headers = append(m.Headers, backends.Header{Key: u.Key, Value: []byte(u.Value)})
		}
		if pp.ContentType != "" || pp.CorrelationData != nil || pp.ResponseTopic != "" {
			m.Properties = &backends.Properties{ContentType: pp.ContentType, CorrelationID: string(pp.CorrelationData),
				ReplyTo: pp.ResponseTopic}
		}
	}
	return m
}

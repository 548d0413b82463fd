// Package mqttfix is the one MQTT fixture of mqscope's tests: the broker named by MQSCOPE_TEST_MQTT
// (Mosquitto), reached with plain paho.golang (never through the adapter under test). Every topic a test
// retains a message on is cleared when it ends; tests never assume the broker is otherwise quiet.
package mqttfix

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/mqscope/mqscope/internal/testkit/testenv"
)

// Env names the variable that holds the URL of the test broker; ./scripts/test.sh sets it.
const Env = "MQSCOPE_TEST_MQTT"

// Broker is a test's handle on the broker: the topics to clear when the test ends.
type Broker struct {
	URL  string
	addr string

	mu     sync.Mutex
	topics map[string]bool
}

// New names the test broker; every topic touched through it is cleared when t ends.
func New(t testing.TB) *Broker {
	t.Helper()
	u := testenv.URL(t, Env, "a Mosquitto URL", "mqtt://127.0.0.1:1883")
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		t.Fatalf("mqttfix: %s=%q is no URL", Env, u)
	}
	b := &Broker{URL: u, addr: pu.Host, topics: map[string]bool{}}
	t.Cleanup(func() { b.clearAll(t) })
	return b
}

// Unique is a topic prefix no other test or run uses.
func Unique(base string) string { return "mqscope-test/" + base + "-" + hexOf(6) }

// Track clears topic's retained message when the test ends.
func (b *Broker) Track(topic string) {
	b.mu.Lock()
	b.topics[topic] = true
	b.mu.Unlock()
}

// Publish sends bodies to topic in order at qos, retained when retain is set, and waits for each.
func (b *Broker) Publish(t testing.TB, topic string, qos byte, retain bool, bodies ...string) {
	t.Helper()
	b.Track(topic)
	c := b.connect(t, nil)
	defer c.Disconnect(&paho.Disconnect{})
	for _, body := range bodies {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.Publish(ctx, &paho.Publish{Topic: topic, QoS: qos, Retain: retain, Payload: []byte(body)})
		cancel()
		if err != nil {
			t.Fatalf("mqttfix: publish to %s: %v", topic, err)
		}
	}
}

// Retained returns the retained messages of filter, as a new subscriber gets them.
func (b *Broker) Retained(t testing.TB, filter string) []*paho.Publish {
	t.Helper()
	got := make(chan *paho.Publish, 1024)
	c := b.connect(t, func(p *paho.Publish) {
		if p.Retain {
			got <- p
		}
	})
	defer c.Disconnect(&paho.Disconnect{})
	b.subscribe(t, c, filter)
	var out []*paho.Publish
	for {
		select {
		case p := <-got:
			out = append(out, p)
		case <-time.After(300 * time.Millisecond):
			return out
		}
	}
}

// Subscribe collects every message on filter from now until t ends; read what arrived with the
// returned function.
func (b *Broker) Subscribe(t testing.TB, filter string) func() []*paho.Publish {
	t.Helper()
	var mu sync.Mutex
	var got []*paho.Publish
	c := b.connect(t, func(p *paho.Publish) { mu.Lock(); got = append(got, p); mu.Unlock() })
	t.Cleanup(func() { c.Disconnect(&paho.Disconnect{}) })
	b.subscribe(t, c, filter)
	return func() []*paho.Publish { mu.Lock(); defer mu.Unlock(); return append([]*paho.Publish(nil), got...) }
}

func (b *Broker) subscribe(t testing.TB, c *paho.Client, filter string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 2}}}); err != nil {
		t.Fatalf("mqttfix: subscribe %s: %v", filter, err)
	}
}

func (b *Broker) connect(t testing.TB, onPublish func(*paho.Publish)) *paho.Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", b.addr, 5*time.Second)
	if err != nil {
		t.Fatalf("mqttfix: %s: %v", b.addr, err)
	}
	cc := paho.ClientConfig{Conn: conn}
	if onPublish != nil {
		cc.OnPublishReceived = []func(paho.PublishReceived) (bool, error){
			func(r paho.PublishReceived) (bool, error) { onPublish(r.Packet); return true, nil }}
	}
	c := paho.NewClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: "mqttfix-" + hexOf(6), CleanStart: true, KeepAlive: 30}); err != nil {
		t.Fatalf("mqttfix: connect %s: %v", b.addr, err)
	}
	return c
}

func (b *Broker) clearAll(t testing.TB) {
	b.mu.Lock()
	topics := b.topics
	b.topics = map[string]bool{}
	b.mu.Unlock()
	if len(topics) == 0 {
		return
	}
	c := b.connect(t, nil)
	defer c.Disconnect(&paho.Disconnect{})
	for topic := range topics {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Retain: true})
		cancel()
		if err != nil {
			t.Errorf("mqttfix: clear %s: %v", topic, err)
		}
	}
}

func hexOf(n int) string {
	p := make([]byte, n)
	_, _ = rand.Read(p)
	return hex.EncodeToString(p)
}

// Bodies are the payloads of msgs, as text.
func Bodies(msgs []*paho.Publish) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = fmt.Sprint(string(m.Payload))
	}
	return out
}

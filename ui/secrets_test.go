package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/kafka"
	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
)

// A password refused by a real broker (kfake with SASL, through the Kafka adapter) never reaches the
// screen: not in the error, the header, the context list of :ctx, the help.
func TestNoPasswordOnScreen(t *testing.T) {
	const wrong, right = "Wr0ng-Screen-5e2d77", "R1ght-Screen-9a4b11"
	cluster := kafkafix.Start(t, kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "ops", right))
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte(wrong), 0o600)
	file, err := config.Parse("/c.yaml", []byte(`contexts:
  - name: sasl
    kafka:
      brokers: ["`+cluster.ListenAddrs()[0]+`"]
      sasl: {mechanism: SCRAM-SHA-256, username: ops, password-file: `+pw+`}
  - name: inline
    rabbitmq: {url: "amqp://guest:`+wrong+`@127.0.0.1:1/"}
`))
	if err != nil {
		t.Fatal(err)
	}
	var secrets config.Secrets
	open := func(ctx context.Context, c config.Context) (backends.Backend, error) {
		c, err := secrets.Resolve(ctx, c)
		if err != nil {
			return nil, err
		}
		s := c.Kafka.SASL
		return kafka.Open(ctx, kafka.Config{Brokers: c.Kafka.Brokers,
			SASL: &kafka.SASL{Mechanism: s.Mechanism, Username: s.Username, Password: s.Password.Reveal()}})
	}
	h := newHarness(t, Options{Context: file.Contexts[0], Contexts: file.Contexts, Open: open}, 200, 24)
	defer h.m.Close()
	h.run(h.m.Init())
	h.mustShow("authentication failed at kafka")
	screens := []string{h.m.View().Content}
	h.command("ctx")
	screens = append(screens, h.m.View().Content)
	h.key("?")
	screens = append(screens, h.m.View().Content)
	for _, s := range screens {
		if strings.Contains(s, wrong) || strings.Contains(s, right) {
			t.Fatalf("a password is on screen:\n%s", s)
		}
	}
}

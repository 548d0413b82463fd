package backends

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tc, err := (*TLS)(nil).Config(RabbitMQ)
	if err != nil || tc.MinVersion != tls.VersionTLS12 || tc.InsecureSkipVerify || tc.RootCAs != nil {
		t.Errorf("no TLS settings: %+v, %v; want system roots, TLS 1.2 at least, verification on", tc, err)
	}
	tc, err = (&TLS{ServerName: "rabbit.prod", InsecureSkipVerify: true}).Config(Kafka)
	if err != nil || tc.ServerName != "rabbit.prod" || !tc.InsecureSkipVerify {
		t.Errorf("server name and insecure: %+v, %v", tc, err)
	}
	for _, c := range []struct {
		tls  TLS
		says string
	}{
		{TLS{CAFile: filepath.Join(dir, "missing.pem")}, "read tls.ca-file"},
		{TLS{CAFile: notPEM}, "holds no PEM certificate"},
		{TLS{CertFile: notPEM}, "needs both tls.cert-file and tls.key-file"},
		{TLS{CertFile: notPEM, KeyFile: notPEM}, "load the client certificate"},
		// A wrong path that never ends is an error at once, not all of memory.
		{TLS{CAFile: "/dev/zero"}, "read tls.ca-file: /dev/zero is larger than 4 MiB: is it the right file?"},
		{TLS{CertFile: "/dev/zero", KeyFile: notPEM}, "/dev/zero is larger than 4 MiB"},
	} {
		if _, err := c.tls.Config(Kafka); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: %v, want an error saying %q", c.tls, err, c.says)
		}
	}
}

package rabbitmq

import (
	"crypto/tls"
	"net/http"
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
	tc, err := (*TLS)(nil).config()
	if err != nil || tc.MinVersion != tls.VersionTLS12 || tc.InsecureSkipVerify || tc.RootCAs != nil {
		t.Errorf("no TLS settings: %+v, %v; want system roots, TLS 1.2 at least, verification on", tc, err)
	}
	tc, err = (&TLS{ServerName: "rabbit.prod", InsecureSkipVerify: true}).config()
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
	} {
		if _, err := c.tls.config(); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: %v, want an error saying %q", c.tls, err, c.says)
		}
	}
}

// TestTargetTLSAndVhost: the TLS settings reach the AMQP dial and the management API, and Vhost replaces
// the URL's.
func TestTargetTLSAndVhost(t *testing.T) {
	tg, err := parseTarget(Config{URL: "amqps://u:p@rabbit.prod/ignored", Vhost: "orders",
		TLS: &TLS{ServerName: "rabbit.internal"}})
	if err != nil {
		t.Fatal(err)
	}
	if tg.uri.Vhost != "orders" || tg.apiBase != "https://rabbit.prod:15671" || tg.tls.ServerName != "rabbit.internal" {
		t.Errorf("vhost %q, API %s, server name %q", tg.uri.Vhost, tg.apiBase, tg.tls.ServerName)
	}
	api := newAPIClient(tg.apiBase, tg.apiUser, tg.apiPass, 0, tg.tls)
	if tc := api.http.Transport.(*http.Transport).TLSClientConfig; tc == nil || tc.ServerName != "rabbit.internal" {
		t.Errorf("management API TLS config %+v, want the server name set", tc)
	}
}

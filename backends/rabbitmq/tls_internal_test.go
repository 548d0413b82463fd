package rabbitmq

import (
	"net/http"
	"testing"
)

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

package backends

import (
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
)

// A registry's handshake problem names the registry and its settings, and leaves the names the
// certificate holds as they are (a host called broker-1 stays broker-1).
func TestTLSPeerProblem(t *testing.T) {
	cert := &x509.Certificate{DNSNames: []string{"broker-1.internal"}}
	err := fmt.Errorf("GET https://sr:8081/schemas: %w", x509.HostnameError{Certificate: cert, Host: "sr"})
	reason, hint, ok := TLSPeer{Name: "registry", Settings: "kafka.schema-registry.tls."}.Problem(err, "use http://")
	if !ok || !strings.Contains(reason, "broker-1.internal") || hint != "set kafka.schema-registry.tls.server-name to a name the certificate holds" {
		t.Errorf("hostname: %q %q %v", reason, hint, ok)
	}
	reason, hint, _ = TLSPeer{Name: "registry", Settings: "kafka.schema-registry.tls."}.Problem(x509.UnknownAuthorityError{}, "")
	if hint != "set kafka.schema-registry.tls.ca-file to the CA that signed the registry's certificate" {
		t.Errorf("unknown CA: %q %q", reason, hint)
	}
	if _, hint, _ := TLSProblem(x509.UnknownAuthorityError{}, ""); hint != "set tls.ca-file to the CA that signed the broker's certificate" {
		t.Errorf("broker: %q", hint)
	}
}

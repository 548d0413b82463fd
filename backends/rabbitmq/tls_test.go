package rabbitmq_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/backends/rabbitmq"
	"github.com/mqscope/mqscope/internal/testkit/rabbitfix"
)

// TestTLSRoundTrip opens the backend over amqps:// and an https management API, both through a
// TLS-terminating proxy in front of the real broker (whose own listeners are plaintext), trusting the
// proxy's certificate only through tls.ca-file.
func TestTLSRoundTrip(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	uri, err := amqp.ParseURI(u)
	if err != nil {
		t.Fatal(err)
	}
	pki := newPKI(t)
	amqps := tlsProxy(t, pki.server, net.JoinHostPort(uri.Host, "5672"))
	api := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: net.JoinHostPort(uri.Host, "15672")}))
	api.TLS = &tls.Config{Certificates: []tls.Certificate{pki.server}}
	api.StartTLS()
	t.Cleanup(api.Close)

	tlsURL := "amqps://" + uri.Username + ":" + uri.Password + "@" + amqps + "/"
	cfg := rabbitmq.Config{URL: tlsURL, ManagementURL: api.URL, TLS: &rabbitmq.TLS{CAFile: pki.caFile, ServerName: "rabbit.test"}}
	b := open(t, cfg)
	if w := b.Warnings(); len(w) != 0 {
		t.Fatalf("warnings over https: %q", w)
	}
	if id, err := b.Identity(context.Background()); err != nil || id.Version == "" || len(id.Nodes) == 0 {
		t.Fatalf("Identity over https: %+v, %v", id, err)
	}
	list(t, b, backends.ListOptions{})

	// Without the CA the same broker is refused, and the error says why and what to do.
	_, err = rabbitmq.Open(context.Background(), rabbitmq.Config{URL: tlsURL, ManagementURL: api.URL})
	if !errors.Is(err, backends.ErrUnreachable) || !strings.Contains(err.Error(), "unknown authority") ||
		!strings.Contains(err.Error(), "tls.ca-file") || strings.Contains(err.Error(), uri.Password+"@") {
		t.Errorf("amqps without the CA: %v", err)
	}
	// A name the certificate does not hold.
	cfg.TLS.ServerName = "elsewhere.test"
	if _, err = rabbitmq.Open(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "tls.server-name") {
		t.Errorf("amqps with a wrong server name: %v", err)
	}
}

// TestAMQPSToPlaintextPort: amqps:// to the broker's plaintext port fails at once with one line that
// says so.
func TestAMQPSToPlaintextPort(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	const secret = "Tls-Secret-71b"
	uri, _ := amqp.ParseURI(u)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := rabbitmq.Open(ctx, rabbitmq.Config{URL: "amqps://guest:" + secret + "@" + net.JoinHostPort(uri.Host, "5672") + "/"})
	if err == nil {
		t.Fatal("amqps to a plaintext port succeeded")
	}
	msg := err.Error()
	if !errors.Is(err, backends.ErrUnreachable) || strings.Contains(msg, "\n") || strings.Contains(msg, secret) ||
		!strings.Contains(msg, "TLS handshake") || !strings.Contains(msg, "use amqp://") {
		t.Errorf("error %q: want one line saying the TLS handshake failed on a plaintext port", msg)
	}
}

// TestVhostOverride: Config.Vhost replaces the URL's vhost for AMQP and for listings.
func TestVhostOverride(t *testing.T) {
	u := rabbitfix.BrokerURL(t)
	t.Parallel()
	f := newFixture(t)
	vhost := f.Name
	queue := rabbitfix.Unique("vhost-override")
	f.Declare(t, queue, nil)
	b := open(t, rabbitmq.Config{URL: u, Vhost: vhost})
	found := false
	for _, d := range list(t, b, backends.ListOptions{}) {
		if d.Vhost != vhost {
			t.Fatalf("listed %s of vhost %q, want only %q", d.Name, d.Vhost, vhost)
		}
		found = found || d.Name == queue
	}
	if !found {
		t.Errorf("queue %s of vhost %s not listed", queue, vhost)
	}
	// AMQP is in that vhost too: its queue can be purged (which needs the AMQP connection).
	if _, err := b.Purge(context.Background(), queue); err != nil {
		t.Errorf("purge in the overridden vhost: %v", err)
	}
}

// pki is a throwaway certificate authority and a server certificate for rabbit.test and 127.0.0.1.
type pki struct {
	caFile string
	server tls.Certificate
}

func newPKI(t *testing.T) pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mqscope test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "rabbit.test"},
		DNSNames: []string{"rabbit.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return pki{caFile: caFile, server: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
}

// tlsProxy terminates TLS with cert and forwards each connection to backend. It returns its address.
func tlsProxy(t *testing.T, cert tls.Certificate, backend string) string {
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c); up.Close() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return l.Addr().String()
}

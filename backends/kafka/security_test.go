package kafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mqscope/mqscope/backends"
)

func TestSASLMechanisms(t *testing.T) {
	for _, mech := range []string{MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512} {
		t.Run(mech, func(t *testing.T) {
			c := newCluster(t, kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(mech, "ops", "right-pw"), kfake.SeedTopics(1, "secure"))
			ctx := testCtx(t)
			b, err := Open(ctx, Config{Brokers: c.ListenAddrs(), SASL: &SASL{Mechanism: strings.ToLower(mech), Username: "ops", Password: "right-pw"}})
			if err != nil {
				t.Fatalf("Open with the right password: %v", err)
			}
			defer b.Close()
			if _, err := b.ListDestinations(ctx, backends.ListOptions{}); err != nil {
				t.Fatalf("listing after authenticating: %v", err)
			}
			// The producer (franz-go's) authenticates its own connections the same way.
			publishAll(t, b, []backends.Outgoing{{Target: backends.Target{Destination: "secure"}, Message: backends.Message{Body: []byte("hi")}}})

			_, err = Open(ctx, Config{Brokers: c.ListenAddrs(), SASL: &SASL{Mechanism: mech, Username: "ops", Password: "wrong-pw"}})
			assertAuthError(t, err, "wrong-pw")
			_, err = Open(ctx, Config{Brokers: c.ListenAddrs(), SASL: &SASL{Mechanism: mech, Username: "nobody", Password: "right-pw"}})
			assertAuthError(t, err, "right-pw")
		})
	}
}

func assertAuthError(t *testing.T, err error, password string) {
	t.Helper()
	if !errors.Is(err, backends.ErrAuth) {
		t.Fatalf("Open with wrong credentials: %v, want an authentication failure", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "authentication failed at kafka ") || strings.Contains(msg, password) ||
		strings.Contains(msg, "\n") || strings.Contains(msg, "out of available brokers") {
		t.Errorf("error %q: want one line saying authentication failed, without the password", msg)
	}
}

// Kafka answers a mechanism it does not offer with UNSUPPORTED_SASL_MECHANISM; kfake hangs up.
func TestSASLMechanismTheBrokerDoesNotOffer(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(MechanismPlain, "ops", "pw"))
	c.ControlKey(int16(kmsg.SASLHandshake), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
		resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		resp.SupportedMechanisms = []string{MechanismPlain}
		return resp, nil, true
	})
	_, err := Open(testCtx(t), Config{Brokers: c.ListenAddrs(), SASL: &SASL{Mechanism: MechanismSCRAMSHA512, Username: "ops", Password: "pw"}})
	if !errors.Is(err, backends.ErrAuth) || !strings.Contains(err.Error(), "does not offer SCRAM-SHA-512") ||
		!strings.Contains(err.Error(), "set sasl.mechanism") {
		t.Errorf("err = %v, want an authentication failure naming the mechanism", err)
	}
}

func TestSASLSettingsAreCheckedBeforeConnecting(t *testing.T) {
	for _, tc := range []struct {
		sasl SASL
		want string
	}{
		{SASL{Mechanism: "GSSAPI", Username: "ops"}, `mechanism "GSSAPI" is not supported`},
		{SASL{Password: "pw"}, "no user name"},
	} {
		_, err := Open(testCtx(t), Config{Brokers: []string{"127.0.0.1:1"}, SASL: &tc.sasl})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "pw") && tc.sasl.Password != "" {
			t.Errorf("Open with %v: %v, want %q", tc.sasl, err, tc.want)
		}
	}
}

func TestConfigNeverPrintsThePassword(t *testing.T) {
	cfg := Config{Brokers: []string{"k1:9093"}, SASL: &SASL{Mechanism: MechanismSCRAMSHA512, Username: "ops", Password: "hunter2"}}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(format, cfg); strings.Contains(out, "hunter2") || !strings.Contains(out, "ops") {
			t.Errorf("Sprintf(%q) = %s: want the user without the password", format, out)
		}
	}
}

func TestTLS(t *testing.T) {
	pki := newPKI(t)
	c := newCluster(t, kfake.NumBrokers(1), kfake.TLS(pki.serverConfig(false)), kfake.SeedTopics(1, "secure"))
	ctx := testCtx(t)
	otherCA := newPKI(t).caFile

	for _, tc := range []struct {
		name string
		tls  *TLS
		want []string // in the error, or nothing for a connection that works
	}{
		{"right CA", &TLS{CAFile: pki.caFile}, nil},
		{"right CA, server name", &TLS{CAFile: pki.caFile, ServerName: "kafka.test"}, nil},
		{"insecure", &TLS{InsecureSkipVerify: true}, nil},
		{"system roots", &TLS{}, []string{"certificate signed by unknown authority", "set tls.ca-file"}},
		{"another CA", &TLS{CAFile: otherCA}, []string{"certificate signed by unknown authority", "set tls.ca-file"}},
		{"wrong name", &TLS{CAFile: pki.caFile, ServerName: "k9.example"}, []string{"not k9.example", "set tls.server-name"}},
		{"plaintext", nil, []string{"set tls"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Open(ctx, Config{Brokers: c.ListenAddrs(), TLS: tc.tls, DialTimeout: 2 * time.Second})
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer b.Close()
				if _, err := b.ListDestinations(ctx, backends.ListOptions{}); err != nil {
					t.Fatalf("listing over TLS: %v", err)
				}
				// The producer's connections are its own, verified the same way.
				publishAll(t, b, []backends.Outgoing{{Target: backends.Target{Destination: "secure"}, Message: backends.Message{Body: []byte("hi")}}})
				return
			}
			assertConnectError(t, err, tc.want...)
		})
	}
}

// A plaintext listener takes a TLS hello for the start of a huge request: Kafka hangs up, kfake waits
// for the rest.
func TestTLSToAPlaintextListener(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1))
	_, err := Open(testCtx(t), Config{Brokers: c.ListenAddrs(), TLS: &TLS{InsecureSkipVerify: true}, DialTimeout: 200 * time.Millisecond})
	assertConnectError(t, err, "no answer in time", "speaks TLS")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Read(make([]byte, 512))
			conn.Close()
		}
	}()
	_, err = Open(testCtx(t), Config{Brokers: []string{ln.Addr().String()}, TLS: &TLS{InsecureSkipVerify: true}})
	assertConnectError(t, err, "TLS handshake with "+ln.Addr().String()+" failed: the broker closed the connection", "remove tls")
}

func TestMutualTLSAndSCRAM(t *testing.T) {
	pki := newPKI(t)
	c := newCluster(t, kfake.NumBrokers(1), kfake.TLS(pki.serverConfig(true)), kfake.SeedTopics(1, "secure"),
		kfake.EnableSASL(), kfake.Superuser(MechanismSCRAMSHA512, "ops", "right-pw"))
	ctx := testCtx(t)
	sasl := &SASL{Mechanism: MechanismSCRAMSHA512, Username: "ops", Password: "right-pw"}

	_, err := Open(ctx, Config{Brokers: c.ListenAddrs(), SASL: sasl, TLS: &TLS{CAFile: pki.caFile}})
	assertConnectError(t, err, "the broker refused", "set tls.cert-file and tls.key-file")

	withCert := &TLS{CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey}
	b, err := Open(ctx, Config{Brokers: c.ListenAddrs(), SASL: sasl, TLS: withCert})
	if err != nil {
		t.Fatalf("Open with a client certificate: %v", err)
	}
	defer b.Close()
	if _, err := b.ListDestinations(ctx, backends.ListOptions{}); err != nil {
		t.Fatalf("listing over mutual TLS: %v", err)
	}
	// The producer's connections are its own, and secured the same way.
	publishAll(t, b, []backends.Outgoing{{Target: backends.Target{Destination: "secure"}, Message: backends.Message{Body: []byte("hi")}}})

	wrongPW := &SASL{Mechanism: MechanismSCRAMSHA512, Username: "ops", Password: "wrong-pw"}
	_, err = Open(ctx, Config{Brokers: c.ListenAddrs(), SASL: wrongPW, TLS: withCert})
	assertAuthError(t, err, "wrong-pw")
}

func TestTLSSettingsAreCheckedBeforeConnecting(t *testing.T) {
	pki := newPKI(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tls  TLS
		want string
	}{
		{TLS{CAFile: filepath.Join(t.TempDir(), "missing.pem")}, "read tls.ca-file"},
		{TLS{CAFile: notPEM}, "holds no PEM certificate"},
		{TLS{CertFile: pki.clientCert}, "needs both tls.cert-file and tls.key-file"},
		{TLS{CertFile: pki.clientCert, KeyFile: pki.caFile}, "load the client certificate"},
	} {
		_, err := Open(testCtx(t), Config{Brokers: []string{"127.0.0.1:1"}, TLS: &tc.tls})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open with %+v: %v, want %q", tc.tls, err, tc.want)
		}
	}
}

func assertConnectError(t *testing.T, err error, want ...string) {
	t.Helper()
	if !errors.Is(err, backends.ErrUnreachable) {
		t.Fatalf("err = %v, want a connection error", err)
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "out of available brokers") {
		t.Errorf("error %q: want one line that says what is wrong", msg)
	}
}

// pki is a certificate authority made for one test, with a server certificate for 127.0.0.1 and
// kafka.test and a client certificate, all written to PEM files.
type pki struct {
	ca                    *x509.Certificate
	caKey                 *ecdsa.PrivateKey
	caFile                string
	server                tls.Certificate
	clientCert, clientKey string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	p := &pki{}
	p.caKey = newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mqscope test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &p.caKey.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.ca, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	p.caFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", der)

	serverKey := newKey(t)
	serverDER := p.sign(t, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kafka.test"},
		DNSNames: []string{"kafka.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, serverKey)
	p.server = tls.Certificate{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}

	clientKey := newKey(t)
	clientDER := p.sign(t, &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "ops"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, clientKey)
	p.clientCert = writePEM(t, dir, "client.pem", "CERTIFICATE", clientDER)
	keyDER, err := x509.MarshalECPrivateKey(clientKey)
	if err != nil {
		t.Fatal(err)
	}
	p.clientKey = writePEM(t, dir, "client.key", "EC PRIVATE KEY", keyDER)
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (p *pki) sign(t *testing.T, tmpl *x509.Certificate, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// serverConfig is the brokers' side; with clientCerts they require a client certificate of this CA.
func (p *pki) serverConfig(clientCerts bool) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{p.server}, MinVersion: tls.VersionTLS12}
	if clientCerts {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = x509.NewCertPool()
		c.ClientCAs.AddCert(p.ca)
	}
	return c
}

// The publisher's dialer (kgo's, which applies no timeout of its own to a dialer it is given) gives up on
// a listener that takes the connection and never answers the TLS hello, within the dial timeout, as
// sarama's connections do; it held the publish until the client was closed.
func TestPublisherTLSHandshakeEndsAtTheDialTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 8)
	defer func() {
		ln.Close()
		for c := range held {
			c.Close()
		}
	}()
	go func() {
		defer close(held)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			held <- conn // taken, never answered
		}
	}()
	conf, err := Config{TLS: &TLS{InsecureSkipVerify: true}, DialTimeout: 200 * time.Millisecond}.saramaConfig()
	if err != nil {
		t.Fatal(err)
	}
	dial := tlsDialer(conf, newLinks(conf.Net.DialTimeout, conf.Net.KeepAlive))
	done := make(chan error, 1)
	go func() {
		c, err := dial(testCtx(t), "tcp", ln.Addr().String())
		if c != nil {
			c.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a handshake nobody answered succeeded")
		}
	case <-time.After(30 * time.Second): // a hang guard, not a speed check
		t.Fatal("the TLS handshake with a silent listener did not end at the dial timeout")
	}
}

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testkit/kafkafix"
	"github.com/mqscope/mqscope/logging"
	"github.com/mqscope/mqscope/opener"
)

// A context with mutual TLS and SCRAM, its certificate files written relative to the config file, lists
// a kfake cluster that requires both.
func TestKafkaContextWithMutualTLSAndSCRAM(t *testing.T) {
	dir := t.TempDir()
	server := writeTestPKI(t, dir)
	cluster := kafkafix.Start(t, kfake.NumBrokers(1), kfake.TLS(server), kfake.SeedTopics(1, "over-tls"),
		kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "ops", rightPassword))
	os.WriteFile(filepath.Join(dir, "pw"), []byte(rightPassword), 0o600)
	cfg := filepath.Join(dir, "config.yaml")
	write := func(tlsLine string) {
		os.WriteFile(cfg, []byte(`contexts:
  - name: secure
    kafka:
      brokers: ["`+cluster.ListenAddrs()[0]+`"]
      sasl: {mechanism: SCRAM-SHA-512, username: ops, password-file: pw}
      tls: `+tlsLine+`
`), 0o600)
	}
	run := func() (int, string, string) {
		var out, errs strings.Builder
		code := runMain(t, cfg, &out, &errs, "--context", "secure", "ls")
		return code, out.String(), errs.String()
	}

	write("{ca-file: certs/ca.pem, cert-file: certs/client.pem, key-file: certs/client.key, server-name: kafka.test}")
	if code, out, errs := run(); code != 0 || !strings.Contains(out, "over-tls") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	write("{ca-file: certs/ca.pem}") // the broker wants a client certificate
	if code, _, errs := run(); code != 1 || !strings.Contains(errs, "kafka") {
		t.Errorf("without a client certificate: exit %d, %q", code, errs)
	}
	write("{ca-file: nope.pem, cert-file: certs/client.pem, key-file: certs/client.key}")
	if code, _, errs := run(); code != 1 || !strings.Contains(errs, filepath.Join(dir, "nope.pem")) {
		t.Errorf("a missing CA file should be named by its full path: exit %d, %q", code, errs)
	}
}

// The broker clients' own loggers write to mqscope's log, never to the terminal.
func TestLibraryLoggersGoToTheLog(t *testing.T) {
	opener.QuietLibraries()
	path := filepath.Join(t.TempDir(), "mqscope.log")
	c, err := logging.Open(path, slog.LevelDebug)
	if err != nil {
		t.Fatal(err)
	}
	sarama.Logger.Printf("sarama says %d", 1)
	sarama.DebugLogger.Printf("sarama debug %d", 2)
	amqp.Logger.Printf("amqp says %d", 3)
	c.Close()
	data, _ := os.ReadFile(path)
	for _, want := range []string{"sarama says 1", "sarama debug 2", "amqp says 3"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("log lacks %q:\n%s", want, data)
		}
	}
}

// writeTestPKI writes a CA and a client certificate under dir/certs and returns the server's TLS
// settings: a certificate for kafka.test and 127.0.0.1, client certificates of the CA required.
func writeTestPKI(t *testing.T, dir string) *tls.Config {
	t.Helper()
	certs := filepath.Join(dir, "certs")
	os.MkdirAll(certs, 0o700)
	caKey := testKey(t)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	sign := func(tmpl *x509.Certificate, key *ecdsa.PrivateKey) []byte {
		tmpl.NotBefore, tmpl.NotAfter, tmpl.KeyUsage = time.Now().Add(-time.Hour), time.Now().Add(time.Hour), x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	writePEMFile(t, filepath.Join(certs, "ca.pem"), "CERTIFICATE", caDER)
	serverKey := testKey(t)
	serverDER := sign(&x509.Certificate{SerialNumber: big.NewInt(2), DNSNames: []string{"kafka.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, serverKey)
	clientKey := testKey(t)
	writePEMFile(t, filepath.Join(certs, "client.pem"), "CERTIFICATE", sign(&x509.Certificate{SerialNumber: big.NewInt(3),
		Subject: pkix.Name{CommonName: "ops"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, clientKey))
	keyDER, _ := x509.MarshalECPrivateKey(clientKey)
	writePEMFile(t, filepath.Join(certs, "client.key"), "EC PRIVATE KEY", keyDER)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12}
}

func testKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writePEMFile(t *testing.T, path, kind string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

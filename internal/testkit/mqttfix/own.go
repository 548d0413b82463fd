package mqttfix

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mosquitto is where the broker binary lives (Debian's mosquitto package); ./scripts/test.sh installs it.
const Mosquitto = "/usr/sbin/mosquitto"

// OwnOptions shape a private Mosquitto: which listeners it opens besides a plain anonymous one.
type OwnOptions struct {
	// SysInterval is Mosquitto's sys_interval in seconds: how often it publishes $SYS; 0 turns $SYS off.
	SysInterval int
	// TLS adds a TLS listener whose certificate (for 127.0.0.1 and "mqtt.test") a test CA signs.
	TLS bool
	// Users adds a listener that takes only these users (name → password) and no anonymous clients.
	Users map[string]string
}

// Own is a Mosquitto process of the test's own, on free 127.0.0.1 ports, stopped when the test ends. The
// shared broker on 1883 is never touched.
type Own struct {
	URL     string // tcp://127.0.0.1:PORT, anonymous
	TLSURL  string // ssl://127.0.0.1:PORT when TLS was asked for
	AuthURL string // tcp://127.0.0.1:PORT that takes only Users
	CAFile  string // the PEM of the CA that signed the TLS listener's certificate
	Dir     string // where its config, certificates and log live
}

// StartOwn starts a private Mosquitto and waits until every listener takes connections.
func StartOwn(t testing.TB, opts OwnOptions) *Own {
	t.Helper()
	if _, err := os.Stat(Mosquitto); err != nil {
		t.Fatalf("mqttfix: %s is missing: install Debian's mosquitto package (./scripts/test.sh does)", Mosquitto)
	}
	o := &Own{Dir: t.TempDir()}
	var conf strings.Builder
	fmt.Fprintf(&conf, "per_listener_settings true\npersistence false\nuser root\nlog_dest file %s\nsys_interval %d\n",
		filepath.Join(o.Dir, "mosquitto.log"), opts.SysInterval)
	ports := []string{}
	listener := func(extra string) string {
		port := freePort(t)
		ports = append(ports, port)
		fmt.Fprintf(&conf, "\nlistener %s 127.0.0.1\n%s", port, extra)
		return port
	}
	o.URL = "tcp://127.0.0.1:" + listener("allow_anonymous true\n")
	if opts.TLS {
		cert, key := o.writePKI(t)
		o.TLSURL = "ssl://127.0.0.1:" + listener(fmt.Sprintf("allow_anonymous true\ncertfile %s\nkeyfile %s\n", cert, key))
	}
	if len(opts.Users) > 0 {
		pw := o.writePasswords(t, opts.Users)
		o.AuthURL = "tcp://127.0.0.1:" + listener(fmt.Sprintf("allow_anonymous false\npassword_file %s\n", pw))
	}
	confPath := filepath.Join(o.Dir, "mosquitto.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, Mosquitto, "-c", confPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("mqttfix: start mosquitto: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	for _, port := range ports {
		o.waitListening(t, port, &out)
	}
	return o
}

// freePort is a port nothing listens on right now.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func (o *Own) waitListening(t testing.TB, port string, out *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(o.Dir, "mosquitto.log"))
			t.Fatalf("mqttfix: mosquitto never listened on %s: %v\n%s%s", port, err, out, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writePasswords writes a Mosquitto password file with mosquitto_passwd, which hashes as the broker
// expects.
func (o *Own) writePasswords(t testing.TB, users map[string]string) string {
	t.Helper()
	path := filepath.Join(o.Dir, "passwords")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for user, pw := range users {
		if out, err := exec.Command("mosquitto_passwd", "-b", path, user, pw).CombinedOutput(); err != nil {
			t.Fatalf("mqttfix: mosquitto_passwd: %v: %s", err, out)
		}
	}
	return path
}

// writePKI writes a CA and a server certificate it signs, for 127.0.0.1 and mqtt.test, valid for an hour
// either side of now; it returns the certificate's and the key's paths and sets CAFile.
func (o *Own) writePKI(t testing.TB) (cert, key string) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey, serverKey := newKey(), newKey()
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mqttfix CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	serverTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "mqtt.test"},
		DNSNames: []string{"mqtt.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	serverDER, err := x509.CreateCertificate(rand.Reader, serverTmpl, ca, &serverKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	o.CAFile = filepath.Join(o.Dir, "ca.pem")
	cert, key = filepath.Join(o.Dir, "server.pem"), filepath.Join(o.Dir, "server.key")
	writePEM(t, o.CAFile, "CERTIFICATE", caDER)
	writePEM(t, cert, "CERTIFICATE", serverDER)
	writePEM(t, key, "EC PRIVATE KEY", keyDER)
	return cert, key
}

func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Broker is the fixture's handle on the private broker's anonymous listener, as New gives for the
// shared one.
func (o *Own) Broker(t testing.TB) *Broker {
	b := &Broker{URL: o.URL, addr: strings.TrimPrefix(o.URL, "tcp://"), topics: map[string]bool{}}
	t.Cleanup(func() { b.clearAll(t) })
	return b
}

package backends

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// TLS says how connections to a broker are encrypted and how the broker proves who it is. Both adapters
// take it as it is, so that the rules for certificates live in one place.
type TLS struct {
	// CAFile is a PEM file of the certificate authorities that sign the broker's certificate; empty
	// means the system's roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key, for brokers that require one
	// (mutual TLS). Both or neither.
	CertFile, KeyFile string
	// ServerName is the name the broker's certificate must hold; empty means the host of each address.
	ServerName string
	// InsecureSkipVerify accepts any certificate. Only for tests: anyone on the path can read and change
	// the traffic.
	InsecureSkipVerify bool
}

// Config builds the tls.Config, naming the broker kind in its errors. A nil TLS gives the default: system
// roots, TLS 1.2 at least.
func (t *TLS) Config(kind Kind) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t == nil {
		return tc, nil
	}
	tc.ServerName = t.ServerName
	tc.InsecureSkipVerify = t.InsecureSkipVerify //nolint:gosec // only when the user asked for it
	if t.CAFile != "" {
		pem, err := readPEM(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%s TLS: read tls.ca-file: %w", kind, err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s TLS: tls.ca-file %s holds no PEM certificate", kind, t.CAFile)
		}
	}
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		cert, err := loadKeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%s TLS: load the client certificate %s and key %s: %w", kind, t.CertFile, t.KeyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	case t.CertFile != "" || t.KeyFile != "":
		return nil, fmt.Errorf("%s TLS: a client certificate needs both tls.cert-file and tls.key-file", kind)
	}
	return tc, nil
}

// maxPEM is the most a CA bundle, certificate or key file may hold: the system's whole bundle is a few
// hundred kilobytes, and a wrong path (/dev/zero, a disk image) must be an error, not all of memory.
const maxPEM = 4 << 20

// readPEM reads a PEM file of at most maxPEM bytes.
func readPEM(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPEM+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPEM {
		return nil, fmt.Errorf("%s is larger than %d MiB: is it the right file?", path, maxPEM>>20)
	}
	return data, nil
}

// loadKeyPair is tls.LoadX509KeyPair with the files' sizes bounded.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := readPEM(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := readPEM(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(cert, key)
}

// TLSProblem recognises a failed TLS handshake in err and says what went wrong and what to change; ok is
// false for errors that are not about TLS. plaintextHint is what to do when the listener turns out not to
// speak TLS (it differs by broker: which scheme or port to use).
func TLSProblem(err error, plaintextHint string) (reason, hint string, ok bool) {
	return TLSPeer{Name: "broker", Settings: "tls."}.Problem(err, plaintextHint)
}

// TLSPeer is whom a handshake was with, as TLSProblem's words name it: its name ("broker", "registry")
// and the prefix of the settings that change it ("tls.", "kafka.schema-registry.tls.").
type TLSPeer struct{ Name, Settings string }

// Problem is TLSProblem for a peer other than a broker.
func (p TLSPeer) Problem(err error, plaintextHint string) (reason, hint string, ok bool) {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		header    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknownCA):
		return "certificate signed by unknown authority", "set " + p.Settings + "ca-file to the CA that signed the " + p.Name + "'s certificate", true
	case errors.As(err, &hostname):
		return strings.TrimPrefix(hostname.Error(), "x509: "), "set " + p.Settings + "server-name to a name the certificate holds", true
	case errors.As(err, &invalid):
		return strings.TrimPrefix(invalid.Error(), "x509: "), "the " + p.Name + "'s certificate is not valid now or not for a server", true
	case errors.As(err, &header):
		return "the " + p.Name + " did not answer in TLS", plaintextHint, true
	case HungUp(err):
		// Plaintext listeners read a TLS hello as garbage and hang up.
		return "the " + p.Name + " closed the connection", "if this listener is plaintext: " + plaintextHint, true
	case strings.Contains(err.Error(), "remote error: tls:"):
		// The peer refused us during the handshake (TLS 1.3 says so on the first read after it).
		_, alert, _ := strings.Cut(err.Error(), "remote error: ")
		return "the " + p.Name + " refused: " + alert, "it may want a client certificate it trusts: set " + p.Settings + "cert-file and " + p.Settings + "key-file", true
	}
	return "", "", false
}

// HungUp reports whether err is the peer closing the connection.
func HungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

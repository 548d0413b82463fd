package rabbitmq

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

// TLS says how amqps:// connections and an https management API are encrypted, and how the broker proves
// who it is. Without it, amqps:// and https use the system's roots and the URL's host name.
type TLS struct {
	// CAFile is a PEM file of the certificate authorities that sign the broker's certificate; empty
	// means the system's roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key, for brokers that require one
	// (mutual TLS). Both or neither.
	CertFile, KeyFile string
	// ServerName is the name the broker's certificate must hold; empty means the host of each URL.
	ServerName string
	// InsecureSkipVerify accepts any certificate. Only for tests: anyone on the path can read and change
	// the traffic.
	InsecureSkipVerify bool
}

// config builds the tls.Config. A nil TLS gives a default one (system roots) with a TLS 1.2 minimum.
func (t *TLS) config() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t == nil {
		return tc, nil
	}
	tc.ServerName = t.ServerName
	tc.InsecureSkipVerify = t.InsecureSkipVerify //nolint:gosec // only when the user asked for it
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("RabbitMQ TLS: read tls.ca-file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("RabbitMQ TLS: tls.ca-file %s holds no PEM certificate", t.CAFile)
		}
	}
	switch {
	case t.CertFile != "" && t.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("RabbitMQ TLS: load the client certificate %s and key %s: %w", t.CertFile, t.KeyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	case t.CertFile != "" || t.KeyFile != "":
		return nil, errors.New("RabbitMQ TLS: a client certificate needs both tls.cert-file and tls.key-file")
	}
	return tc, nil
}

// tlsProblem recognises a failed TLS handshake in err and says what went wrong and what to change; ok is
// false for errors that are not about TLS.
func tlsProblem(err error) (reason, hint string, ok bool) {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		header    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknownCA):
		return "certificate signed by unknown authority", "set tls.ca-file to the CA that signed the broker's certificate", true
	case errors.As(err, &hostname):
		return strings.TrimPrefix(hostname.Error(), "x509: "), "set tls.server-name to a name the certificate holds", true
	case errors.As(err, &invalid):
		return strings.TrimPrefix(invalid.Error(), "x509: "), "the broker's certificate is not valid now or not for a server", true
	case errors.As(err, &header):
		return "the server did not answer in TLS", "this port is plaintext: use amqp://, or the TLS port, usually 5671", true
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		// A plaintext AMQP listener answers a TLS hello with its protocol header and hangs up.
		return "the server closed the connection", "if this port is plaintext, use amqp:// or the TLS port, usually 5671", true
	case strings.Contains(err.Error(), "remote error: tls:"):
		_, alert, _ := strings.Cut(err.Error(), "remote error: ")
		return "the broker refused: " + alert, "it may want a client certificate it trusts: set tls.cert-file and tls.key-file", true
	}
	return "", "", false
}

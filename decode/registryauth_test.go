package decode

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/internal/testkit/srfix"
)

const registrySecret = "s3cret-registry-pw"

// password is a password source that counts how often it is read.
func password(pw string, reads *atomic.Int32) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		reads.Add(1)
		return pw, nil
	}
}

func avroWire(t *testing.T, reg *Registry) []byte {
	t.Helper()
	wire, _, err := reg.Encode(context.Background(), SchemaRef{Subject: srfix.AvroSubject},
		[]byte(`{"id":"o-1","total":{"cents":5,"currency":"EUR"},"note":null}`))
	if err != nil {
		t.Fatal(err)
	}
	return wire
}

// A registry behind basic auth answers a user and password read once from their source, or a password
// alone sent as a bearer token; both decode and encode.
func TestRegistryWithCredentials(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, header, user string }{
		{"basic", srfix.BasicAuth("api-key", registrySecret), "api-key"},
		{"bearer", "Bearer " + registrySecret, ""},
	} {
		fix := srfix.Start(t, srfake.WithAuth(c.header))
		var reads atomic.Int32
		reg := newRegistry(t, fix.URL(), RegistryOptions{Username: c.user, Password: password(registrySecret, &reads)})
		d := Decoder{Registry: reg}
		wire := avroWire(t, reg)
		proto := srfix.Wire(srfix.ProtoOrderID, []int{1}, srfix.ProtoPayload(t, srfix.OrderTypes(t).Messages().Get(1), `{"orderId":"o-1"}`))
		for _, body := range [][]byte{wire, proto} {
			if got := d.Decode(context.Background(), body); got.Note != "" || !got.Structured {
				t.Errorf("%s: %+v", c.name, got)
			}
		}
		if n := reads.Load(); n != 1 {
			t.Errorf("%s: the password was read %d times for %d requests, want once", c.name, n, fix.Requests.Load())
		}
	}
}

// Without credentials, or with a wrong password, the one-line error says which settings to check and never
// holds the password; a registry's 401 fails every lookup alike, so it is asked once; after a refusal
// the password is read again (the user may have fixed it).
func TestRegistryRefusesCredentials(t *testing.T) {
	t.Parallel()
	fix := srfix.Start(t, srfake.WithAuth(srfix.BasicAuth("api-key", registrySecret)))
	none := newRegistry(t, fix.URL(), RegistryOptions{})
	for range 3 {
		_, err := none.BySubject(context.Background(), srfix.AvroSubject, 0)
		if err == nil || !errors.Is(err, ErrRegistryRefused) || !strings.Contains(err.Error(), "asks for credentials (HTTP 401") ||
			!strings.Contains(err.Error(), "set kafka.schema-registry's username and password-env") {
			t.Fatalf("no credentials: %v", err)
		}
	}
	d := Decoder{Registry: none}
	for range 3 {
		if got := d.Decode(context.Background(), srfix.Wire(srfix.AvroOrderID, nil, []byte{2, 'x'})); got.Format != Binary ||
			!strings.Contains(got.Note, "HTTP 401") {
			t.Fatalf("decode without credentials: %+v", got)
		}
	}
	if n := fix.Requests.Load(); n != 1 {
		t.Errorf("a registry that asks for credentials was asked %d times, want 1", n)
	}

	var reads atomic.Int32
	wrong := newRegistry(t, fix.URL(), RegistryOptions{Username: "api-key", Password: password("not-"+registrySecret, &reads),
		PasswordSetting: "kafka.schema-registry.password-env"})
	for range 2 {
		_, err := wrong.BySubject(context.Background(), srfix.JSONSubject, 1)
		msg := err.Error()
		if !strings.Contains(msg, "refused the credentials (HTTP 403: User not authorized)") || strings.Contains(msg, registrySecret) ||
			!strings.Contains(msg, "check kafka.schema-registry.username and kafka.schema-registry.password-env") || strings.Contains(msg, "\n") {
			t.Errorf("wrong password: %v", err)
		}
	}
	if n := reads.Load(); n != 2 {
		t.Errorf("after two refusals the password was read %d times, want 2 (read again after each)", n)
	}

	unreadable := newRegistry(t, fix.URL(), RegistryOptions{Username: "api-key", Password: func(context.Context) (string, error) {
		return "", errors.New(`context "prod": kafka.schema-registry.password-env: environment variable SR_PW is not set`)
	}})
	before := fix.Requests.Load()
	_, err := unreadable.ByID(context.Background(), srfix.AvroOrderID)
	if err == nil || !strings.Contains(err.Error(), "cannot read the schema registry's password: context \"prod\": kafka.schema-registry.password-env") ||
		fix.Requests.Load() != before {
		t.Errorf("unreadable password: %v; %d requests sent", err, fix.Requests.Load()-before)
	}
}

// An https registry is trusted through the CA the settings name; without it the error says which setting.
func TestRegistryOverTLS(t *testing.T) {
	t.Parallel()
	fix, ca := srfix.StartTLS(t, srfake.WithAuth("Bearer "+registrySecret))
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	var reads atomic.Int32
	reg := newRegistry(t, fix.URL(), RegistryOptions{Password: password(registrySecret, &reads), TLS: &backends.TLS{CAFile: caFile}})
	if got := (&Decoder{Registry: reg}).Decode(context.Background(), avroWire(t, reg)); got.Format != Avro || got.Note != "" {
		t.Errorf("over TLS: %+v", got)
	}
	untrusted := newRegistry(t, fix.URL(), RegistryOptions{Password: password(registrySecret, &reads)})
	_, err := untrusted.BySubject(context.Background(), srfix.AvroSubject, 0)
	if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") ||
		!strings.Contains(err.Error(), "kafka.schema-registry.tls.ca-file") {
		t.Errorf("without the CA: %v", err)
	}
	if _, err := NewRegistryWith(fix.URL(), RegistryOptions{TLS: &backends.TLS{CAFile: caFile + ".missing"}}); err == nil ||
		!strings.Contains(err.Error(), "tls.ca-file") {
		t.Errorf("a CA file that is not there: %v", err)
	}
}

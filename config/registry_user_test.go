package config

import (
	"strings"
	"testing"
)

// A user in the registry's URL with no password anywhere is a mistake said at its line (no credentials
// would be sent at all); a password in the URL serves a username the mapping gives.
func TestSchemaRegistryUserWithoutPassword(t *testing.T) {
	_, err := Load(write(t, "contexts:\n  - name: x\n    kafka:\n      brokers: [\"k:9092\"]\n      schema-registry: \"http://u@sr:8081\"\n"))
	if err == nil || !strings.Contains(err.Error(), "the schema registry URL has a user and no password") || !strings.Contains(err.Error(), ":5:") {
		t.Errorf("user alone in the URL: %v", err)
	}
	f, err := Load(write(t, "contexts:\n  - name: y\n    kafka:\n      brokers: [\"k:9092\"]\n      schema-registry: {url: \"http://u:pw@sr:8081\", username: other}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Contexts[0].DecodeSetup(); s.Registry.Username != "other" || s.Registry.Password == nil {
		t.Errorf("username with the URL's password: %+v", s.Registry)
	}
}

package config

import (
	"context"
	"fmt"
	"net/url"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
)

// SchemaRegistryConfig is a Kafka context's schema registry. Written as a URL alone, or as a mapping for a
// registry that asks who is calling (Confluent Cloud, Karapace or Apicurio behind a proxy):
//
//	schema-registry: http://sr:8081
//	schema-registry:
//	  url: https://psrc-123.eu-west-1.aws.confluent.cloud
//	  username: API_KEY            # HTTP basic auth with the password below
//	  password-env: SR_API_SECRET  # or password-cmd / password-file; without username: a bearer token
//	  tls: {ca-file: ca.pem}
//
// The password comes from the same sources as every other password in the file, and is read at the first
// request to the registry, not when mqscope starts.
type SchemaRegistryConfig struct {
	URL            string `yaml:"url"`
	Username       string `yaml:"username,omitempty"`
	PasswordSource `yaml:",inline"`
	TLS            *TLSConfig `yaml:"tls,omitempty"`
}

// RegistryURL is the registry setting for a URL alone.
func RegistryURL(u string) *SchemaRegistryConfig { return &SchemaRegistryConfig{URL: u} }

// registryFields is SchemaRegistryConfig without its YAML methods, to decode the mapping form into.
type registryFields SchemaRegistryConfig

// UnmarshalYAML reads the URL alone or the mapping, strictly.
func (s *SchemaRegistryConfig) UnmarshalYAML(node ast.Node) error {
	switch node.(type) {
	case *ast.NullNode:
		return nil
	case ast.MapNode:
		var f registryFields
		if err := yaml.NodeToValue(node, &f, yaml.Strict()); err != nil {
			return err
		}
		*s = SchemaRegistryConfig(f)
		return nil
	}
	u, ok := scalar(node)
	if !ok {
		return syntaxError(node, "schema-registry must be a URL, or a mapping with url, username, password-env and tls")
	}
	*s = SchemaRegistryConfig{URL: u}
	return nil
}

// MarshalYAML writes the URL alone when that is all there is (the password source redacted otherwise).
func (s SchemaRegistryConfig) MarshalYAML() (any, error) {
	if s.Username == "" && !s.IsSet() && s.TLS == nil {
		return s.URL, nil
	}
	return registryFields(s), nil
}

func (s *SchemaRegistryConfig) check() *problem {
	if s == nil {
		return nil
	}
	if s.URL == "" {
		return &problem{"", "schema-registry needs url, like url: https://sr:8081"}
	}
	if msg := checkURL(s.URL, "the schema registry URL", schemaRegistryLike, "http", "https"); msg != "" {
		return &problem{".url", msg}
	}
	if p := s.PasswordSource.check(); p != nil {
		return p
	}
	_, urlUser, urlPassword := splitUserinfo(s.URL)
	switch {
	case s.IsSet() || urlPassword != "":
	case s.Username != "":
		return &problem{".username", "schema-registry has a username and no password: add password-env, password-cmd or password-file"}
	case urlUser != "":
		// Sent without a password, the user would not be sent at all.
		return &problem{".url", "the schema registry URL has a user and no password: add password-env, password-cmd or password-file"}
	}
	if s.TLS != nil && schemeOf(s.URL) != "https" {
		return &problem{".tls", "tls is for an https:// registry URL"}
	}
	return s.TLS.check().under(".tls")
}

func schemeOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Scheme
}

// setup is what decode needs to reach the registry. A user and password written in the URL are taken
// out of it (so that no error or screen that shows the URL shows them); a password source wins over one
// in the URL. The password is read at the first request.
func (s *SchemaRegistryConfig) setup(contextName string) (string, decode.RegistryOptions) {
	var o decode.RegistryOptions
	if s == nil || s.URL == "" {
		return "", o
	}
	plain, user, inURL := splitUserinfo(s.URL)
	o.Username = user
	if s.Username != "" {
		o.Username = s.Username
	}
	switch {
	case s.IsSet():
		src := s.PasswordSource
		o.Password = func(ctx context.Context) (string, error) {
			pw, err := src.Resolve(ctx)
			if err != nil {
				return "", fmt.Errorf("context %q: kafka.schema-registry.%w", contextName, err)
			}
			return pw.Reveal(), nil
		}
	case inURL != "":
		o.Password = func(context.Context) (string, error) { return inURL, nil }
	}
	o.PasswordSetting = "kafka.schema-registry." + passwordKey(s.PasswordSource, inURL != "")
	if t := s.TLS; t != nil {
		o.TLS = &backends.TLS{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile, ServerName: t.ServerName,
			InsecureSkipVerify: t.InsecureSkipVerify}
	}
	return plain, o
}

// passwordKey is the setting the password comes from, for an error that says which to check.
func passwordKey(p PasswordSource, inURL bool) string {
	if keys := p.given(); len(keys) > 0 {
		return keys[0]
	}
	if inURL {
		return "url"
	}
	return "password-env"
}

// splitUserinfo is u without its user and password, and those.
func splitUserinfo(u string) (plain, user, password string) {
	parsed, err := url.Parse(u)
	if err != nil || parsed.User == nil {
		return u, "", ""
	}
	user = parsed.User.Username()
	password, _ = parsed.User.Password()
	parsed.User = nil
	return parsed.String(), user, password
}

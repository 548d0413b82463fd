package decode

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/mqscope/mqscope/backends"
)

// Registry reads schemas from a Confluent-compatible schema registry through franz-go's pkg/sr (the
// registry client of the Kafka library this module already uses, kept by the same maintainer; it speaks
// Avro, Protobuf and JSON Schema, schema references included, where hamba/avro's client knows Avro only).
//
// Schemas are cached by id for the life of the Registry (an id's schema never changes). Failures are
// remembered for a while: a registry that does not answer costs one timeout, then every lookup fails at
// once until RetryAfter has passed; an id it does not know is asked again only after the same pause.
type Registry struct {
	client     *sr.Client
	url        string
	retryAfter time.Duration
	creds      credentials

	fetch sync.Mutex // one lookup at a time: decodes waiting on the same slow registry share its verdict

	mu      sync.Mutex
	byID    map[int]*Schema
	failed  map[int]failure         // ids the registry refused, or whose schema does not compile
	down    failure                 // the registry itself did not answer
	subject map[string]subjectEntry // by subject and version (0 for the latest)
}

// subjectEntry is a schema looked up by subject; the latest version is asked again after a while.
type subjectEntry struct {
	schema *Schema
	until  time.Time // zero: for good
}

type failure struct {
	err   error
	until time.Time
}

func (f failure) active(now time.Time) bool { return f.err != nil && now.Before(f.until) }

// DefaultRegistryTimeout bounds one request to the registry.
const DefaultRegistryTimeout = 3 * time.Second

// RegistryOptions tune a Registry; the zero value is the defaults.
type RegistryOptions struct {
	Timeout    time.Duration // one request; 0: DefaultRegistryTimeout
	RetryAfter time.Duration // how long a failure is remembered; 0: 30 s

	// Username and Password authenticate: HTTP basic auth with both, a bearer token with the password
	// alone. Password is read at the first request (it may run a password manager), and again after the
	// registry refused it; nil for none.
	Username string
	Password func(context.Context) (string, error)
	// PasswordSetting names the setting the password comes from, for the error of a registry that
	// refuses it ("kafka.schema-registry.password-env").
	PasswordSetting string
	TLS             *backends.TLS // for https: the CA, a client certificate, the server name; nil: system roots
}

// NewRegistry builds a client for the registry at url.
func NewRegistry(url string) (*Registry, error) { return NewRegistryWith(url, RegistryOptions{}) }

// NewRegistryWith builds a client for the registry at url with o.
func NewRegistryWith(url string, o RegistryOptions) (*Registry, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultRegistryTimeout
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 30 * time.Second
	}
	r := &Registry{url: url, retryAfter: o.RetryAfter, byID: map[int]*Schema{},
		failed: map[int]failure{}, subject: map[string]subjectEntry{},
		creds: credentials{user: o.Username, read: o.Password, setting: o.PasswordSetting}}
	opts := []sr.ClientOpt{sr.URLs(url), sr.HTTPClient(&http.Client{Timeout: o.Timeout}), sr.UserAgent("mqscope"),
		sr.PreReq(r.creds.authorize)}
	if o.TLS != nil {
		tc, err := o.TLS.Config("schema registry")
		if err != nil {
			return nil, err
		}
		opts = append(opts, sr.DialTLSConfig(tc))
	}
	c, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("schema registry %q: %w", url, err)
	}
	r.client = c
	return r, nil
}

// Schema is a registered schema, compiled for its type.
type Schema struct {
	ID      int
	Type    sr.SchemaType
	Subject string // set when it was looked up by subject
	Version int
	Text    string

	avro  *avroSchema
	proto *protoSchema
	json  *jsonSchema
}

// TypeName is "avro", "protobuf" or "jsonschema".
func (s *Schema) TypeName() string {
	switch s.Type {
	case sr.TypeProtobuf:
		return string(Protobuf)
	case sr.TypeJSON:
		return string(JSONSchema)
	}
	return string(Avro)
}

// ByID returns the schema registered under id.
func (r *Registry) ByID(ctx context.Context, id int) (*Schema, error) {
	if s, err, ok := r.cached(id); ok {
		return s, err
	}
	r.fetch.Lock()
	defer r.fetch.Unlock()
	if s, err, ok := r.cached(id); ok { // another decode fetched it, or found the registry down, meanwhile
		return s, err
	}
	s, err := r.client.SchemaByID(ctx, id)
	if err != nil {
		return nil, r.remember(id, fmt.Errorf("schema id %d: %w", id, r.explain(err)))
	}
	compiled, err := r.compile(ctx, sr.SubjectSchema{ID: id, Schema: s})
	if err != nil {
		return nil, r.remember(id, fmt.Errorf("schema id %d: %w", id, err))
	}
	r.mu.Lock()
	r.byID[id] = compiled
	r.mu.Unlock()
	return compiled, nil
}

// BySubject returns the schema of subject at version; version 0 is the latest, which is asked again
// after RetryAfter.
func (r *Registry) BySubject(ctx context.Context, subject string, version int) (*Schema, error) {
	version = max(version, 0)
	key := subject + "\x00" + strconv.Itoa(version)
	now := time.Now()
	r.mu.Lock()
	down, cached := r.down, r.subject[key]
	r.mu.Unlock()
	if cached.schema != nil && (cached.until.IsZero() || now.Before(cached.until)) {
		return cached.schema, nil
	}
	if down.active(now) {
		return nil, down.err
	}
	ask := version
	if ask == 0 {
		ask = -1 // pkg/sr's "latest"
	}
	s, err := r.client.SchemaByVersion(ctx, subject, ask)
	if err != nil {
		err = fmt.Errorf("subject %q: %w", subject, r.explain(err))
		r.noteDown(err)
		return nil, err
	}
	compiled, err := r.compile(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("subject %q version %d: %w", subject, s.Version, err)
	}
	entry := subjectEntry{schema: compiled}
	if version == 0 {
		entry.until = now.Add(r.retryAfter)
	}
	r.mu.Lock()
	r.subject[key] = entry
	r.byID[compiled.ID] = compiled
	r.mu.Unlock()
	return compiled, nil
}

// cached is what is known of id: its schema, or a failure still remembered.
func (r *Registry) cached(id int) (*Schema, error, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if s := r.byID[id]; s != nil {
		return s, nil, true
	}
	if r.down.active(now) {
		return nil, r.down.err, true
	}
	if f := r.failed[id]; f.active(now) {
		return nil, f.err, true
	}
	return nil, nil, false
}

// Fetched reports whether the cache knows what to make of id without asking the registry: its schema, or
// a failure still remembered. A UI asks ByID, in a command, for an id it does not.
func (r *Registry) Fetched(id int) bool {
	_, _, ok := r.cached(id)
	return ok
}

// Failure is the failure the Registry remembers for id, and until when a lookup of id fails with it
// rather than asking: the registry's own answer about id, or its not answering at all (ErrRegistryDown);
// nil when it remembers none (the schema is held, or a lookup would ask). A UI that fetches schemas in
// commands asks again at until for what the registry could not answer.
func (r *Registry) Failure(id int) (until time.Time, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	switch f := r.failed[id]; {
	case r.byID[id] != nil:
		return time.Time{}, nil
	case r.down.active(now):
		return r.down.until, r.down.err
	case f.active(now):
		return f.until, f.err
	}
	return time.Time{}, nil
}

// Held is how many schemas the Registry holds. It only grows (an id's schema never changes, and is kept),
// so text made from the cache without a schema can be made again once Held says one came, whoever
// fetched it.
func (r *Registry) Held() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID)
}

// ErrNotFetched is in the error of a CacheOnly decode whose schema the Registry has not fetched yet.
var ErrNotFetched = errors.New("schema not fetched yet")

// remember keeps a failure: for the whole registry when it did not answer, for id when it did. A lookup
// its caller gave up on says nothing about the id, and is not remembered.
func (r *Registry) remember(id int, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if r.noteDown(err) {
		return err
	}
	r.mu.Lock()
	r.failed[id] = failure{err: err, until: time.Now().Add(r.retryAfter)}
	r.mu.Unlock()
	return err
}

// ErrRegistryDown is in the errors of lookups the registry did not answer (refused, timed out).
var ErrRegistryDown = errors.New("the schema registry did not answer")

// ErrRegistryRefused is in the errors of lookups the registry refused for want of valid credentials
// (HTTP 401), or whose credentials could not be read: every other lookup would fail the same way.
var ErrRegistryRefused = errors.New("the schema registry refused the credentials")

// noteDown marks the whole registry failed when err says it did not answer or refused who is asking; it
// says whether it did.
func (r *Registry) noteDown(err error) bool {
	if !errors.Is(err, ErrRegistryDown) && !errors.Is(err, ErrRegistryRefused) {
		return false
	}
	r.mu.Lock()
	r.down = failure{err: err, until: time.Now().Add(r.retryAfter)}
	r.mu.Unlock()
	return true
}

// explain turns the registry's answer, or its silence, into a short reason.
func (r *Registry) explain(err error) error {
	var answer *sr.ResponseError
	var unread credentialsError
	switch {
	case errors.As(err, &unread):
		return wrapRefused{fmt.Errorf("cannot read the schema registry's password: %w", unread.err)}
	case errors.As(err, &answer) && (answer.StatusCode == http.StatusUnauthorized || answer.StatusCode == http.StatusForbidden):
		r.creds.forget()
		return r.creds.refused(r.url, answer)
	}
	if errors.As(err, &answer) && answer.StatusCode >= 500 {
		// A proxy or load balancer in front of a registry that is down answers 502-504 for it: the registry
		// did not answer, whatever id was asked, and asking again later may succeed.
		return fmt.Errorf("%w at %s (HTTP %d from it or a proxy in front of it); not asked again for %s", ErrRegistryDown,
			r.url, answer.StatusCode, r.retryAfter)
	}
	if errors.As(err, &answer) {
		msg := answer.Message
		if msg == "" {
			msg = http.StatusText(answer.StatusCode)
		}
		return fmt.Errorf("the schema registry says: %s (HTTP %d)", msg, answer.StatusCode)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	registryPeer := backends.TLSPeer{Name: "registry", Settings: "kafka.schema-registry.tls."}
	if reason, hint, ok := registryPeer.Problem(err, "use http:// for a registry without TLS"); ok && strings.HasPrefix(r.url, "https:") {
		return wrapRefused{fmt.Errorf("the schema registry at %s: TLS: %s (%s); not asked again for %s", r.url,
			reason, hint, r.retryAfter)}
	}
	// pkg/sr says "unable to GET ..." for every request that got no HTTP answer.
	if strings.HasPrefix(err.Error(), "unable to ") || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w at %s (%v); not asked again for %s", ErrRegistryDown, r.url, rootCause(err), r.retryAfter)
	}
	return err
}

// rootCause is the innermost error: "connection refused" rather than the URL and method around it.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// compile resolves s's references through the registry and compiles it for its type.
func (r *Registry) compile(ctx context.Context, s sr.SubjectSchema) (*Schema, error) {
	out := &Schema{ID: s.ID, Type: s.Type, Subject: s.Subject, Version: s.Version, Text: s.Schema.Schema}
	refs, err := r.references(ctx, s.References, map[string]bool{})
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case sr.TypeProtobuf:
		out.proto, err = compileProto(ctx, s.Schema.Schema, refs)
	case sr.TypeJSON:
		out.json, err = compileJSONSchema(s.Schema.Schema, refs)
	default:
		out.avro, err = compileAvro(s.Schema.Schema, refs)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reference is a schema another names, by the name it uses for it (a .proto import path, an Avro type).
type reference struct{ name, text string }

// references fetches refs and what they reference in turn, dependencies first.
func (r *Registry) references(ctx context.Context, refs []sr.SchemaReference, seen map[string]bool) ([]reference, error) {
	var out []reference
	for _, ref := range refs {
		if seen[ref.Name] {
			continue
		}
		seen[ref.Name] = true
		s, err := r.client.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			return nil, fmt.Errorf("reference %q (subject %q version %d): %w", ref.Name, ref.Subject, ref.Version, r.explain(err))
		}
		deeper, err := r.references(ctx, s.References, seen)
		if err != nil {
			return nil, err
		}
		out = append(append(out, deeper...), reference{name: ref.Name, text: s.Schema.Schema})
	}
	return out, nil
}

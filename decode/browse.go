package decode

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/sync/errgroup"
)

// SubjectSummary is one subject of the registry at its latest version: what `schemas` lists and the TUI's
// :schemas view shows.
type SubjectSummary struct {
	Subject       string
	Latest        int    // latest version
	ID            int    // schema id of the latest version
	Type          string // avro, protobuf or jsonschema
	Compatibility string // the subject's level, or the global one it falls back to; "" when the registry did not say
	Topics        []string
}

// SubjectDetail is one version of a subject, with every version the subject has.
type SubjectDetail struct {
	SubjectSummary
	Version    int
	Versions   []int
	Text       string
	References []sr.SchemaReference
}

// NamingStrategy is the subject naming strategy Topics assumes: Confluent's default TopicNameStrategy,
// where a topic's value schema is "<topic>-value" and its key schema "<topic>-key". Subjects named by
// RecordNameStrategy or TopicRecordNameStrategy map to no topic here.
const NamingStrategy = "TopicNameStrategy (<topic>-value, <topic>-key)"

// TopicsOf are the topics among topics whose value or key subject, by TopicNameStrategy, is subject.
func TopicsOf(subject string, topics []string) []string {
	var out []string
	for _, suffix := range []string{"-value", "-key"} {
		if t, ok := strings.CutSuffix(subject, suffix); ok && slices.Contains(topics, t) {
			out = append(out, t)
		}
	}
	return out
}

// Subjects lists every subject at its latest version, sorted by name, with the topics among topics that use
// it by TopicNameStrategy. It costs two requests plus one per subject for its compatibility level (which
// pkg/sr asks concurrently): the registry has no call that lists levels.
func (r *Registry) Subjects(ctx context.Context, topics []string) ([]SubjectSummary, error) {
	all, err := r.client.AllSchemas(ctx)
	if notFound(err) {
		// Not every registry serves GET /schemas (Confluent's does since 6.0): ask each subject's latest.
		all, err = r.latestOfEach(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("list subjects: %w", r.explain(err))
	}
	latest := map[string]sr.SubjectSchema{}
	for _, s := range all {
		if cur, ok := latest[s.Subject]; !ok || s.Version > cur.Version {
			latest[s.Subject] = s
		}
	}
	names := make([]string, 0, len(latest))
	for name := range latest {
		names = append(names, name)
	}
	slices.Sort(names)
	levels := r.compatibility(ctx, names...)
	out := make([]SubjectSummary, len(names))
	for i, name := range names {
		out[i] = summaryOf(latest[name], levels[name], topics)
	}
	return out, nil
}

// notFound says whether the registry answered 404.
func notFound(err error) bool {
	var answer *sr.ResponseError
	return errors.As(err, &answer) && answer.StatusCode == http.StatusNotFound
}

// latestOfEach is every subject at its latest version, through GET /subjects and one request per
// subject (a few at a time). A 404 to GET /subjects means the URL is not a registry's.
func (r *Registry) latestOfEach(ctx context.Context) ([]sr.SubjectSchema, error) {
	names, err := r.client.Subjects(ctx)
	if notFound(err) {
		return nil, fmt.Errorf("%s answered HTTP 404 to GET /schemas and GET /subjects: is it a schema registry? "+
			"(check the URL, with any path before /subjects)", r.url)
	}
	if err != nil {
		return nil, err
	}
	out := make([]sr.SubjectSchema, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, name := range names {
		g.Go(func() error {
			s, err := r.client.SchemaByVersion(gctx, name, -1)
			out[i] = s
			return err
		})
	}
	return out, g.Wait()
}

// Subject is subject at version (0: the latest), with its versions, level and references.
func (r *Registry) Subject(ctx context.Context, subject string, version int, topics []string) (SubjectDetail, error) {
	versions, err := r.client.SubjectVersions(ctx, subject)
	if err != nil {
		return SubjectDetail{}, fmt.Errorf("subject %q: %w", subject, r.explain(err))
	}
	ask := version
	if ask <= 0 {
		ask = -1 // pkg/sr's "latest"
	}
	s, err := r.client.SchemaByVersion(ctx, subject, ask)
	if err != nil {
		if version > 0 {
			return SubjectDetail{}, fmt.Errorf("subject %q has no version %d (it has %s): %w", subject, version, joinInts(versions), r.explain(err))
		}
		return SubjectDetail{}, fmt.Errorf("subject %q: %w", subject, r.explain(err))
	}
	slices.Sort(versions)
	sum := summaryOf(s, r.compatibility(ctx, subject)[subject], topics)
	sum.Latest = slices.Max(append(versions, s.Version))
	return SubjectDetail{SubjectSummary: sum, Version: s.Version, Versions: versions, Text: s.Schema.Schema,
		References: s.References}, nil
}

func summaryOf(s sr.SubjectSchema, level string, topics []string) SubjectSummary {
	typ := (&Schema{Type: s.Type}).TypeName()
	return SubjectSummary{Subject: s.Subject, Latest: s.Version, ID: s.ID, Type: typ, Compatibility: level,
		Topics: TopicsOf(s.Subject, topics)}
}

// compatibility is each subject's level, falling back to the global level as the registry does (a real
// registry answers 404 for a subject without its own level unless asked defaultToGlobal).
func (r *Registry) compatibility(ctx context.Context, subjects ...string) map[string]string {
	out := map[string]string{}
	for _, res := range r.client.Compatibility(sr.WithParams(ctx, sr.DefaultToGlobal), subjects...) {
		if res.Err == nil {
			out[res.Subject] = res.Level.String()
		}
	}
	return out
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

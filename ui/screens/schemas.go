package screens

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/mqscope/mqscope/actions"
	"github.com/mqscope/mqscope/backends"
	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/present"
	"github.com/mqscope/mqscope/sanitize"
	"github.com/mqscope/mqscope/ui/common"
	"github.com/mqscope/mqscope/ui/components/list"
)

type subject = decode.SubjectSummary

// KindSchemas is the Kind of the schema registry view.
const KindSchemas = "schemas"

// NewSchemas returns the view of the context's schema registry: its subjects at their latest version; enter
// opens a subject's page (versions, level, references, the schema text). Only open it where c.Registry is set.
func NewSchemas(c *common.Common) common.View {
	return list.New(c, schemaSpec(c.Registry), "schemas")
}

func schemaSpec(reg *decode.Registry) *list.Spec[subject] {
	return &list.Spec[subject]{
		Kind: KindSchemas,
		Noun: func([]subject) string { return "subjects" },
		Fetch: func(ctx context.Context, b backends.Backend) ([]subject, error) {
			subjects, err := reg.Subjects(ctx, topicNames(ctx, b))
			if err != nil {
				return nil, common.ElsewhereError{Err: err} // the registry's failure: the broker stays connected
			}
			return subjects, nil
		},
		ID:      func(s subject) string { return s.Subject },
		Name:    func(s subject) string { return s.Subject },
		Details: newSubjectPage,
		Columns: list.WithLooks(present.Subjects, map[string]list.Look[subject]{
			"SUBJECT": {Flex: true, Cmp: func(a, b *subject) int { return strings.Compare(a.Subject, b.Subject) }},
			"VERSION": intLook(func(s subject) int64 { return int64(s.Latest) }),
			"TYPE":    {Cmp: func(a, b *subject) int { return strings.Compare(a.Type, b.Type) }},
			"ID":      intLook(func(s subject) int64 { return int64(s.ID) }),
		}),
	}
}

// topicNames are the broker's topics, to tell which use a subject; a listing that fails costs only that.
func topicNames(ctx context.Context, b backends.Backend) []string {
	dests, _ := actions.ListDestinations(ctx, b, backends.ListOptions{})
	names := make([]string, len(dests))
	for i, d := range dests {
		names[i] = d.Name
	}
	return names
}

// newSubjectPage is a subject's page: the details page's scrolled, windowed lines, fetched from the
// registry on every refresh.
func newSubjectPage(c *common.Common, s subject, listedAt time.Time) common.View {
	reg := c.Registry
	v := &detailsView{Base: common.NewBase(KindDetails, sanitize.Line(s.Subject)), c: c,
		fetch: func(ctx context.Context, b backends.Backend) ([]present.Section, error) {
			if reg == nil {
				return nil, errors.New("no schema registry is configured")
			}
			d, err := reg.Subject(ctx, s.Subject, 0, topicNames(ctx, b))
			if err != nil {
				return nil, common.ElsewhereError{Err: err}
			}
			return subjectSections(d), nil
		}}
	v.lines, v.at = detailsLines(subjectSections(decode.SubjectDetail{SubjectSummary: s, Version: s.Latest})), listedAt
	return v
}

// subjectSections are a subject version's page; the text reads loading… until the page's fetch brings it.
func subjectSections(d decode.SubjectDetail) []present.Section {
	secs := present.SubjectSections(d)
	if d.Text == "" {
		secs[len(secs)-1].Note = "loading…"
	}
	return secs
}

package present

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mqscope/mqscope/decode"
	"github.com/mqscope/mqscope/sanitize"
)

type subject = decode.SubjectSummary

// Subjects are the columns of a listing of schema registry subjects.
var Subjects = []Column[subject]{
	{Name: "SUBJECT", Text: func(s subject) string { return sanitize.Line(s.Subject) }},
	{Name: "VERSION", Right: true, Text: func(s subject) string { return Int(s.Latest) }},
	{Name: "TYPE", Optional: 2, Text: func(s subject) string { return s.Type }},
	{Name: "COMPATIBILITY", Optional: 3, Text: func(s subject) string { return orDash(sanitize.Line(s.Compatibility)) }},
	{Name: "ID", Optional: 4, Right: true, Text: func(s subject) string { return Int(s.ID) }},
	{Name: "TOPICS", Optional: 1, Text: func(s subject) string { return orDash(sanitize.Line(strings.Join(s.Topics, ","))) }},
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// SubjectSections are a subject version's page, as both front ends show it: its facts under lowercase
// labels, as describe labels a topic's, then its schema text a line at a time (empty when not fetched
// yet), every byte sanitized.
func SubjectSections(d decode.SubjectDetail) []Section {
	versions := make([]string, len(d.Versions))
	for i, v := range d.Versions {
		versions[i] = fmt.Sprint(v)
	}
	refs := make([]string, len(d.References))
	for i, r := range d.References {
		refs[i] = fmt.Sprintf("%s → %s v%d", r.Name, r.Subject, r.Version)
	}
	topics := orDash(strings.Join(d.Topics, ", ")) + "  (by TopicNameStrategy)"
	facts := Section{Title: "subject", Fields: []Field{
		{"subject", sanitize.Line(d.Subject)},
		{"version", fmt.Sprintf("%d of %d", d.Version, d.Latest)},
		{"versions", orDash(strings.Join(versions, ", "))},
		{"schema id", Int(d.ID)},
		{"type", d.Type},
		{"compatibility", orDash(sanitize.Line(d.Compatibility))},
		{"references", orDash(sanitize.Line(strings.Join(refs, "; ")))},
		{"topics", sanitize.Line(topics)},
	}}
	text := Section{Title: "schema (" + d.Type + ")"}
	if d.Text != "" {
		for _, line := range strings.Split(SchemaText(d.Text), "\n") {
			text.Fields = append(text.Fields, Field{Value: sanitize.Block(line)})
		}
	}
	return []Section{facts, text}
}

// SchemaText is a schema's text for reading: JSON (Avro, JSON Schema) indented, Protobuf as registered.
// The caller sanitizes it.
func SchemaText(text string) string {
	var b bytes.Buffer
	if json.Valid([]byte(text)) && json.Indent(&b, []byte(text), "", "  ") == nil {
		return b.String()
	}
	return strings.TrimRight(text, "\n")
}

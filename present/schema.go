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

// SubjectLines are a subject version's labelled facts, sanitized, in the order the CLI and TUI show them.
func SubjectLines(d decode.SubjectDetail) [][2]string {
	versions := make([]string, len(d.Versions))
	for i, v := range d.Versions {
		versions[i] = fmt.Sprint(v)
	}
	refs := make([]string, len(d.References))
	for i, r := range d.References {
		refs[i] = fmt.Sprintf("%s → %s v%d", r.Name, r.Subject, r.Version)
	}
	topics := orDash(strings.Join(d.Topics, ", ")) + "  (by TopicNameStrategy)"
	return [][2]string{
		{"Subject", sanitize.Line(d.Subject)},
		{"Version", fmt.Sprintf("%d of %d", d.Version, d.Latest)},
		{"Versions", orDash(strings.Join(versions, ", "))},
		{"Schema id", Int(d.ID)},
		{"Type", d.Type},
		{"Compatibility", orDash(sanitize.Line(d.Compatibility))},
		{"References", orDash(sanitize.Line(strings.Join(refs, "; ")))},
		{"Topics", sanitize.Line(topics)},
	}
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

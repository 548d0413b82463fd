package actions

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"time"
)

// Template is text with placeholders filled in anew for every message published:
//
//	{{seq}}   the message's number in the run: 1, 2, 3, ...
//	{{uuid}}  a random UUID (version 4), different for every message
//	{{now}}   the time the message is built, RFC 3339 in UTC with milliseconds (2026-11-26T03:00:00.123Z)
//
// Anything else, including other {{...}}, is kept byte for byte: a body that happens to hold Mustache or Go
// templates is sent as written. Templates are deliberately not text/template: three placeholders need no
// language, and expanding one is an append of precomputed pieces, fast enough for any publish rate.
type Template struct {
	parts []templatePart
}

// templatePart is literal bytes, or one placeholder.
type templatePart struct {
	literal []byte
	fill    placeholder
}

type placeholder int

const (
	literal placeholder = iota
	fillSeq
	fillUUID
	fillNow
)

var placeholders = []struct {
	text string
	fill placeholder
}{{"{{seq}}", fillSeq}, {"{{uuid}}", fillUUID}, {"{{now}}", fillNow}}

// ParseTemplate splits text into literal pieces and placeholders. It cannot fail: what is not a
// placeholder is literal.
func ParseTemplate(text []byte) Template {
	var t Template
	for len(text) > 0 {
		at, fill, size := nextPlaceholder(text)
		if at < 0 {
			t.parts = append(t.parts, templatePart{literal: text})
			break
		}
		if at > 0 {
			t.parts = append(t.parts, templatePart{literal: text[:at]})
		}
		t.parts = append(t.parts, templatePart{fill: fill})
		text = text[at+size:]
	}
	return t
}

// nextPlaceholder finds the first placeholder in text: where, which, and how long; -1 when there is none.
func nextPlaceholder(text []byte) (int, placeholder, int) {
	for from := 0; ; {
		i := bytes.Index(text[from:], []byte("{{"))
		if i < 0 {
			return -1, literal, 0
		}
		i += from
		for _, p := range placeholders {
			if bytes.HasPrefix(text[i:], []byte(p.text)) {
				return i, p.fill, len(p.text)
			}
		}
		from = i + 1
	}
}

// Static reports whether the template has no placeholder, so every message gets the same bytes.
func (t Template) Static() bool {
	for _, p := range t.parts {
		if p.fill != literal {
			return false
		}
	}
	return true
}

// UsesNow reports whether the template holds {{now}}, so that building a message needs the time.
func (t Template) UsesNow() bool {
	return slices.ContainsFunc(t.parts, func(p templatePart) bool { return p.fill == fillNow })
}

// Expand appends the text for message number seq built at now.
func (t Template) Expand(dst []byte, seq int64, now time.Time) []byte {
	for _, p := range t.parts {
		switch p.fill {
		case literal:
			dst = append(dst, p.literal...)
		case fillSeq:
			dst = strconv.AppendInt(dst, seq, 10)
		case fillUUID:
			dst = appendUUID(dst)
		case fillNow:
			dst = now.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
		}
	}
	return dst
}

// appendUUID appends a random version 4 UUID in its canonical form.
func appendUUID(dst []byte) []byte {
	var u [16]byte
	rand.Read(u[:]) // never fails (crypto/rand panics rather than return an error)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return append(dst, s[:]...)
}

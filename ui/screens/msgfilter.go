package screens

import "github.com/mqscope/mqscope/ui/common"

// The browser's / filter: a case-insensitive substring, or a regular expression after "re:", over a
// message's key, header names and values, and body. Only the first filterBytes of each body and header
// value are looked at, so that one keystroke over 10,000 held messages stays quick whatever their size.

const filterBytes = 16 << 10

// matcher reports whether a held message matches the filter.
type matcher func(e *entry) bool

// compileFilter turns the filter text into a matcher; "" matches everything (nil).
func compileFilter(text string) (matcher, error) {
	match, err := common.CompileMatch(text)
	if match == nil || err != nil {
		return nil, err
	}
	return anyPart(match), nil
}

// anyPart matches a message when match accepts its key, a header, or its body.
func anyPart(match common.Match) matcher {
	return func(e *entry) bool {
		m := &e.msg
		if match(head(m.Key)) || match(head(m.Body)) {
			return true
		}
		for _, h := range m.Headers {
			if match(head([]byte(h.Key))) || match(head(h.Value)) {
				return true
			}
		}
		return false
	}
}

func head(b []byte) []byte { return b[:min(len(b), filterBytes)] }

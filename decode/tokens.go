package decode

// TokenKind classifies a piece of JSON text for highlighting.
type TokenKind int

const (
	TokPunct TokenKind = iota // { } [ ] : , and white space
	TokKey
	TokString
	TokNumber
	TokBool
	TokNull
)

// Token is a run of JSON text of one kind.
type Token struct {
	Kind TokenKind
	Text string
}

// Tokens splits one line of pretty JSON into runs for a highlighter. It works line by line so a renderer
// can tokenize only the visible lines; anything it does not recognise comes back as TokPunct, so the text
// of the tokens always joins back to the line.
func Tokens(line string) []Token {
	var out []Token
	for i := 0; i < len(line); {
		switch c := line[i]; {
		case c == '"':
			end := stringEnd(line, i)
			kind := TokString
			if isKey(line, end) {
				kind = TokKey
			}
			out = append(out, Token{kind, line[i:end]})
			i = end
		case c == '-' || (c >= '0' && c <= '9'):
			end := i + 1
			for end < len(line) && isNumberByte(line[end]) {
				end++
			}
			out = append(out, Token{TokNumber, line[i:end]})
			i = end
		case hasWord(line, i, "true"), hasWord(line, i, "false"):
			n := 4
			if c == 'f' {
				n = 5
			}
			out = append(out, Token{TokBool, line[i : i+n]})
			i += n
		case hasWord(line, i, "null"):
			out = append(out, Token{TokNull, line[i : i+4]})
			i += 4
		default:
			end := i + 1
			for end < len(line) && !startsToken(line[end]) {
				end++
			}
			out = append(out, Token{TokPunct, line[i:end]})
			i = end
		}
	}
	return out
}

// stringEnd returns the index just past the string that starts at line[i] (or the end of the line).
func stringEnd(line string, i int) int {
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(line)
}

func isKey(line string, end int) bool {
	for j := end; j < len(line); j++ {
		switch line[j] {
		case ' ', '\t':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

func hasWord(s string, i int, w string) bool {
	return len(s)-i >= len(w) && s[i:i+len(w)] == w
}

func startsToken(c byte) bool {
	return c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n'
}

package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Wrap breaks text into lines of at most width cells at its spaces only, so that a name stays whole on
// its line: ansi.Wrap also breaks after every hyphen, which split an exchange named
// "orders-dead-letter" across two lines. Only a word wider than a line is cut, into pieces that fill it.
// Lines already in text stay; ANSI styles pass through and take no room.
func Wrap(text string, width int) []string {
	width = max(width, 1)
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Split(para, " ") {
			switch {
			case line == "":
				line = word
			case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
				line += " " + word
			default:
				lines, line = append(lines, line), word
			}
			for ansi.StringWidth(line) > width { // one word wider than a line
				lines, line = append(lines, ansi.Truncate(line, width, "")), ansi.TruncateLeft(line, width, "")
			}
		}
		lines = append(lines, line)
	}
	return lines
}

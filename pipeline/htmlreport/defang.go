package htmlreport

import (
	"regexp"
	"strings"
)

// schemeRE finds the schemes of URLs a reader could follow; hostRE finds
// names that look like hosts: labels ending in a top-level domain of
// letters (or an IDN one).
var (
	schemeRE = regexp.MustCompile(`(?i)\b(?:https?|ftps?)://`)
	hostRE   = regexp.MustCompile(`(?i)(?:[\p{L}\p{N}](?:[\p{L}\p{N}_-]{0,62})?\.)+(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})\b`)
)

// Defang makes the URLs and domain names in s safe to show: the scheme
// becomes hxxp(s) and the dots of a name become [.], so that no reader,
// mail client or chat window turns them into links. The local part of an
// email address and all other text are kept.
func Defang(s string) string {
	if !strings.Contains(s, ".") && !strings.Contains(s, "://") {
		return s
	}
	s = schemeRE.ReplaceAllStringFunc(s, func(m string) string {
		if m[0] == 'h' || m[0] == 'H' {
			return "hxxp" + m[4:]
		}
		return "fxp" + m[3:]
	})
	var b strings.Builder
	last := 0
	for _, m := range hostRE.FindAllStringIndex(s, -1) {
		if m[1] < len(s) && s[m[1]] == '@' {
			continue // the local part of an email address
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(strings.ReplaceAll(s[m[0]:m[1]], ".", "[.]"))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

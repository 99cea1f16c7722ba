package htmlreport

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// The addresses the report replaces with keyed hashes when asked to: the
// same expressions, and the same hashes, as the CSV reports', so that a
// value can be followed from one to the other.
var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)
	ipv4RE  = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	ipv6RE  = regexp.MustCompile(`(?i)\b(?:[0-9a-f]{1,4}:){2,7}(?::|[0-9a-f]{1,4})?(?::[0-9a-f]{1,4})*(?:::)?(?:/\d+)?`)
)

// pseudonymize replaces emails and IP addresses in s with keyed hashes;
// with no key it returns s.
func pseudonymize(key, s string) string {
	if key == "" || s == "" {
		return s
	}
	hash := func(prefix, v string) string {
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(strings.ToLower(v)))
		return prefix + hex.EncodeToString(m.Sum(nil))[:16]
	}
	s = emailRE.ReplaceAllStringFunc(s, func(e string) string { return hash("email:", e) })
	s = ipv6RE.ReplaceAllStringFunc(s, func(ip string) string {
		if strings.Count(ip, ":") < 3 {
			return ip // a time of day, say
		}
		return hash("ip:", ip)
	})
	return ipv4RE.ReplaceAllStringFunc(s, func(ip string) string { return hash("ip:", ip) })
}

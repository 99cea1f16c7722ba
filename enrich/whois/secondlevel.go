package whois

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// secondLevelRegistries maps the public suffixes of the private section
// of the public suffix list whose names are sold as registrations, like
// top-level domains, to the WHOIS server of their registry. A name under
// one ("hotel.us.com") is a registration of its own: its registrant is
// asked of that server, not the .com registry about "us.com".
//
// Only suffixes the public suffix list holds in its private section are
// used (see secondLevelRegistry); names CentralNic once sold that have
// left the list (ar.com, gb.com, hu.com, kr.com, no.com, qc.com, se.com,
// uy.com) are ordinary .com names again.
func secondLevelRegistries() map[string]string {
	const centralnic = "whois.centralnic.com:43"
	return map[string]string{
		"ae.org": centralnic, "br.com": centralnic, "cn.com": centralnic, "com.de": centralnic,
		"com.se": centralnic, "de.com": centralnic, "eu.com": centralnic, "gb.net": centralnic,
		"gr.com": centralnic, "hu.net": centralnic, "jp.net": centralnic, "jpn.com": centralnic,
		"mex.com": centralnic, "ru.com": centralnic, "sa.com": centralnic, "se.net": centralnic,
		"uk.com": centralnic, "uk.net": centralnic, "us.com": centralnic, "za.com": centralnic,

		"za.net": "whois.za.net:43",
		"za.org": "whois.za.org:43",
		"eu.org": "whois.eu.org:43",
		"co.ca":  "whois.co.ca:43",
		"co.pl":  "whois.co.pl:43",
	}
}

// secondLevelRegistry returns the registry suffix and WHOIS server of a
// domain registered under a second-level registry ("hotel.us.com" gives
// "us.com", "whois.centralnic.com:43").
func secondLevelRegistry(domain string) (suffix, server string, ok bool) {
	suffix, icann := publicsuffix.PublicSuffix(strings.ToLower(domain))
	if icann || suffix == domain {
		return "", "", false
	}
	server, ok = secondLevelRegistries()[suffix]
	if !ok {
		return "", "", false
	}
	return suffix, server, true
}

package report

// EvidenceNode is the type of node a shared value of an evidence kind is
// drawn as in an evidence graph: app, domain, email, ip, registrant, burst
// or text.
func EvidenceNode(kind string) string {
	switch kind {
	case "app", "app_name", "app_name_website":
		return "app"
	case "app_website", "domain":
		return "domain"
	case "email", "email_similar", "email_domain", "registrant_email":
		return "email"
	case "ip", "ip_prefix":
		return "ip"
	case "registrant", "registrar_pattern":
		return "registrant"
	case "burst":
		return "burst"
	}
	return "text"
}

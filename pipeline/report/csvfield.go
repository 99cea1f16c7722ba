package report

// AppendCSVField appends s as one RFC 4180 field, quoted only when needed.
// An empty string is written as "" so that a reader can tell it from NULL
// (an empty unquoted field), as psql's CSV does.
func AppendCSVField(dst []byte, s string) []byte {
	needs := s == ""
	for i := 0; i < len(s) && !needs; i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			needs = true
		}
	}
	if !needs {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

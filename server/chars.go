package server

import "bytes"

// Byte classes of RFC 9110 and RFC 3986, as lookup tables.

var tchar = makeSet("!#$%&'*+-.^_`|~")

// targetChar: what may appear unescaped in a request target (RFC 3986
// pchar, "/", "?"), plus "%" which validTarget checks separately.
var targetChar = makeSet("-._~!$&'()*+,;=:@/?%")

// hostChar matches net/http's lenient Host check (httpguts.ValidHostHeader), so
// the two never disagree about a Host value.
var hostChar = makeSet("!$%&()*+,-.:;=[]_~'")

func makeSet(extra string) (s [256]bool) {
	for c := '0'; c <= '9'; c++ {
		s[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		s[c] = true
		s[c-'a'+'A'] = true
	}
	for i := 0; i < len(extra); i++ {
		s[extra[i]] = true
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tchar[c] {
			return false
		}
	}
	return true
}

func validHost(b []byte) bool {
	for _, c := range b {
		if !hostChar[c] {
			return false
		}
	}
	return true
}

// validTarget accepts the request-target forms of RFC 9112 §3.2 that suit
// the method: origin-form ("/p?q"), absolute-form ("http://h/p"), asterisk-form
// ("*") and, for CONNECT only, authority-form ("h:443"); each made only of URI
// characters with well-formed percent escapes.
func validTarget(method, b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !targetChar[c] {
			return false
		}
		if c == '?' {
			// A bad escape in the query is a bad parameter, answered by
			// the router with a 400 that names it, not a broken request.
			for _, q := range b[i+1:] {
				if !targetChar[q] {
					return false
				}
			}
			break
		}
		if c == '%' {
			if i+2 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) {
				return false
			}
			i += 2
		}
	}
	switch {
	case string(method) == "CONNECT":
		return b[0] != '/' && validHost(b)
	case b[0] == '/':
		return true
	case len(b) == 1 && b[0] == '*':
		return true
	}
	return hasScheme(b)
}

// hasScheme reports whether b starts with scheme "://" (RFC 3986 §3.1).
func hasScheme(b []byte) bool {
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return len(b) > i+3 && b[i+1] == '/' && b[i+2] == '/'
		default:
			return false
		}
	}
	return false
}

func isHex(c byte) bool { return hexVal(c) >= 0 }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// equalFold compares an ASCII byte slice with a lower-case ASCII string.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// badEscape returns the name of the first query parameter of target (raw,
// as sent) holding a '%' that is not followed by two hex digits, or nil.
func badEscape(target []byte) (name []byte, bad bool) {
	_, query, ok := bytes.Cut(target, []byte("?"))
	if !ok || bytes.IndexByte(query, '%') < 0 {
		return nil, false
	}
	for len(query) > 0 {
		var pair []byte
		pair, query, _ = bytes.Cut(query, []byte("&"))
		for i := 0; i < len(pair); i++ {
			if pair[i] == '%' && (i+2 >= len(pair) || !isHex(pair[i+1]) || !isHex(pair[i+2])) {
				name, _, _ = bytes.Cut(pair, []byte("="))
				return name, true
			}
		}
	}
	return nil, false
}

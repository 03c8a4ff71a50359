package codec

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Reading members of JSON objects that are known to be valid and compact
// (as the store keeps properties: no white space outside strings), in
// place and without allocating: for filters that look at one property of
// many features.

// Member returns the raw text of the member key of the compact JSON object
// obj (a string value keeps its quotes), and whether obj has one. A key
// written with escapes is compared unescaped.
func Member(obj, key string) (val string, ok bool) {
	i := 1 // after '{'
	for i < len(obj) && obj[i] == '"' {
		kEnd := stringEnd(obj, i)
		rawKey := obj[i:kEnd]
		vStart := kEnd + 1 // after ':'
		vEnd := valueEnd(obj, vStart)
		if keyEquals(rawKey, key) {
			return obj[vStart:vEnd], true
		}
		if vEnd >= len(obj) || obj[vEnd] != ',' {
			break
		}
		i = vEnd + 1
	}
	return "", false
}

// EachMember calls fn with the raw key (quoted) and raw value of each member
// of the compact JSON object obj, until fn returns false.
func EachMember(obj string, fn func(rawKey, val string) bool) {
	for m := NewMembers(obj); ; {
		key, val, ok := m.Next()
		if !ok || !fn(key, val) {
			return
		}
	}
}

// Members walks the members of a compact JSON object without a callback
// (and so without allocating one).
type Members struct {
	obj string
	i   int
}

// NewMembers walks obj.
func NewMembers(obj string) Members { return Members{obj: obj, i: 1} }

// Next returns the next member's raw key (quoted) and raw value; ok is
// false after the last.
func (m *Members) Next() (rawKey, val string, ok bool) {
	obj, i := m.obj, m.i
	if i >= len(obj) || obj[i] != '"' {
		return "", "", false
	}
	kEnd := stringEnd(obj, i)
	vEnd := valueEnd(obj, kEnd+1)
	m.i = len(obj) // the last, unless a comma follows
	if vEnd < len(obj) && obj[vEnd] == ',' {
		m.i = vEnd + 1
	}
	return obj[i:kEnd], obj[kEnd+1 : vEnd], true
}

// stringEnd returns the index just past the JSON string starting at s[i].
func stringEnd(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(s)
}

// valueEnd returns the index just past the compact JSON value at s[i].
func valueEnd(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '"':
		return stringEnd(s, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				j = stringEnd(s, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(s)
	}
	j := i
	for j < len(s) && s[j] != ',' && s[j] != '}' && s[j] != ']' {
		j++
	}
	return j
}

// keyEquals reports whether the quoted JSON string raw is key.
func keyEquals(raw, key string) bool {
	inner := raw[1 : len(raw)-1]
	if inner == key {
		return true
	}
	for k := 0; k < len(inner); k++ {
		if inner[k] == '\\' {
			var buf [64]byte
			return string(Unquote(buf[:0], raw)) == key
		}
	}
	return false
}

// Unquote appends the text of the quoted JSON string raw to dst.
func Unquote(dst []byte, raw string) []byte {
	s := raw[1 : len(raw)-1]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch s[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s, i+1)
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if r2 := hex4(s, i+3); utf16.DecodeRune(r, r2) != utf8.RuneError {
					r = utf16.DecodeRune(r, r2)
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // " \ /
			dst = append(dst, s[i])
		}
	}
	return dst
}

func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return utf8.RuneError
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return utf8.RuneError
		}
	}
	return r
}

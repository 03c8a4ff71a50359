package store

import (
	"strconv"
	"unicode/utf8"
)

// CheckJSON checks that raw, one JSON value already known to parse, holds
// only text GDAL, OWSLib and browsers can read back: strings of valid UTF-8
// (RFC 8259 §8.1) without lone surrogate escapes, and numbers a float64
// can hold (1e400 is not one). path names raw in the error ("properties");
// the error's path goes down to the offending member.
//
// The first walk keeps no paths, so that a sound value costs no
// allocation; only a refused one is walked again to name the path.
func CheckJSON(raw []byte, path string) error {
	w := jsonWalker{raw: raw}
	w.skipSpace()
	if w.value("") == nil {
		return nil
	}
	w = jsonWalker{raw: raw, paths: true}
	w.skipSpace()
	return w.value(path)
}

// jsonWalker walks a JSON value that is known to be well formed.
type jsonWalker struct {
	raw   []byte
	i     int
	paths bool // build the paths of members, for an error
}

// member is the path of an object's member, when paths are kept.
func (w *jsonWalker) member(path string, rawKey []byte) string {
	if !w.paths {
		return ""
	}
	key, _ := strconv.Unquote(string(rawKey))
	return join(path, key)
}

// element is the path of an array's element, when paths are kept.
func (w *jsonWalker) element(path string, i int) string {
	if !w.paths {
		return ""
	}
	return index(path, i)
}

func (w *jsonWalker) skipSpace() { w.i = skipSpace(w.raw, w.i) }

// skipSpace returns where the JSON white space from raw[i] ends.
func skipSpace(raw []byte, i int) int {
	for i < len(raw) && isSpace(raw[i]) {
		i++
	}
	return i
}

// isSpace reports whether c is JSON white space.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (w *jsonWalker) value(path string) error {
	if w.i >= len(w.raw) {
		return nil
	}
	switch c := w.raw[w.i]; {
	case c == '{':
		w.i++
		for {
			w.skipSpace()
			if w.i >= len(w.raw) || w.raw[w.i] == '}' {
				w.i++
				return nil
			}
			if w.raw[w.i] == ',' {
				w.i++
				w.skipSpace()
			}
			start := w.i
			if err := w.str(path); err != nil {
				return err
			}
			key := w.raw[start:w.i]
			w.skipSpace()
			w.i++ // ':'
			w.skipSpace()
			if err := w.value(w.member(path, key)); err != nil {
				return err
			}
		}
	case c == '[':
		w.i++
		for k := 0; ; k++ {
			w.skipSpace()
			if w.i >= len(w.raw) || w.raw[w.i] == ']' {
				w.i++
				return nil
			}
			if w.raw[w.i] == ',' {
				w.i++
				w.skipSpace()
				k--
				continue
			}
			if err := w.value(w.element(path, k)); err != nil {
				return err
			}
		}
	case c == '"':
		return w.str(path)
	case c == '-' || '0' <= c && c <= '9':
		return w.number(path)
	default: // true, false, null
		for w.i < len(w.raw) && 'a' <= w.raw[w.i] && w.raw[w.i] <= 'z' {
			w.i++
		}
		return nil
	}
}

// str checks the string at w.i and moves past it.
func (w *jsonWalker) str(path string) error {
	w.i++ // '"'
	for w.i < len(w.raw) {
		c := w.raw[w.i]
		switch {
		case c == '"':
			w.i++
			return nil
		case c == '\\':
			if w.i+1 < len(w.raw) && w.raw[w.i+1] == 'u' {
				if err := w.escape(path); err != nil {
					return err
				}
				continue
			}
			w.i += 2
		case c < utf8.RuneSelf:
			w.i++
		default:
			r, n := utf8.DecodeRune(w.raw[w.i:])
			if r == utf8.RuneError && n <= 1 {
				return &InputError{Path: path, Reason: "holds bytes that are not UTF-8 (RFC 8259 §8.1): send text encoded as UTF-8"}
			}
			w.i += n
		}
	}
	return nil
}

// escape checks a \uXXXX escape at w.i (and its pair, for a surrogate).
func (w *jsonWalker) escape(path string) error {
	hex := func(at int) (rune, bool) {
		if at+6 > len(w.raw) || w.raw[at] != '\\' || w.raw[at+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(w.raw[at+2:at+6]), 16, 16)
		return rune(v), err == nil
	}
	r, _ := hex(w.i)
	w.i += 6
	if r < 0xD800 || r > 0xDFFF {
		return nil
	}
	if lo, ok := hex(w.i); r <= 0xDBFF && ok && 0xDC00 <= lo && lo <= 0xDFFF {
		w.i += 6
		return nil
	}
	return &InputError{Path: path, Reason: "holds a lone UTF-16 surrogate escape (\\ud800–\\udfff): that is no character"}
}

// number checks the number at w.i fits a float64 and moves past it.
func (w *jsonWalker) number(path string) error {
	start := w.i
	for w.i < len(w.raw) {
		c := w.raw[w.i]
		if c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || '0' <= c && c <= '9' {
			w.i++
			continue
		}
		break
	}
	num, exp := w.raw[start:w.i], false
	for _, c := range num {
		exp = exp || c == 'e' || c == 'E'
	}
	if !exp && len(num) < 300 {
		return nil // under 10^300 without an exponent: it fits
	}
	if _, err := strconv.ParseFloat(string(num), 64); err != nil {
		return &InputError{Path: path, Reason: "the number " + clip(w.raw[start:w.i]) + " is out of range: numbers must fit a 64-bit float"}
	}
	return nil
}

// countPositions counts the positions in a geometry's JSON text: arrays
// whose first element is a number. A cheap scan run before a geometry is
// decoded, so that one far past the limit costs no more than reading it.
func countPositions(raw []byte) int {
	n := 0
	for i := 0; i < len(raw); i++ {
		if raw[i] != '[' {
			continue
		}
		j := i + 1
		for j < len(raw) && (raw[j] == ' ' || raw[j] == '\t' || raw[j] == '\r' || raw[j] == '\n') {
			j++
		}
		if j < len(raw) && (raw[j] == '-' || '0' <= raw[j] && raw[j] <= '9') {
			n++
		}
	}
	return n
}

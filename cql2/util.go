package cql2

import (
	"fmt"
	"unicode/utf8"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func decodeRune(s string) (rune, int) {
	r, n := utf8.DecodeRuneInString(s)
	return r, max(n, 1)
}

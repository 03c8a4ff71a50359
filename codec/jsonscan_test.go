package codec

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzMember: in a compact JSON object, Member finds each member's raw
// value as encoding/json does (objects with repeated keys aside), and
// EachMember visits them all.
func FuzzMember(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":"x\"y","c":{"d":[1,{"e":"}"}]},"\u00e9":true,"n":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return // the store holds valid UTF-8 only; encoding/json would replace the bytes
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			return
		}
		var buf bytes.Buffer
		if json.Compact(&buf, b) != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
			return
		}
		obj := buf.String()
		seen := 0
		EachMember(obj, func(string, string) bool { seen++; return true })
		if seen < len(m) {
			t.Fatalf("%s: EachMember saw %d members of %d", obj, seen, len(m))
		}
		if seen > len(m) {
			return // a repeated key: encoding/json keeps the last, Member the first
		}
		for k, want := range m {
			var w bytes.Buffer
			json.Compact(&w, want)
			if got, ok := Member(obj, k); !ok || got != w.String() {
				t.Fatalf("%s: Member(%q) = %q %v, want %s", obj, k, got, ok, w.String())
			}
		}
		if _, ok := Member(obj, "\x00no such key"); ok {
			t.Fatalf("%s: found a key it does not have", obj)
		}
	})
}

package store

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestCheckJSONAccepts(t *testing.T) {
	f := func(raw string) {
		t.Helper()
		if err := CheckJSON([]byte(raw), "p"); err != nil {
			t.Fatalf("CheckJSON(%s): %v", raw, err)
		}
	}
	f(`{}`)
	f(`{"a":[1,-2.5e10,1.7976931348623157e308,"é","\u00e9\ud83d\ude00",true,false,null,{"b":{}}],"c":""}`)
	f(` [ 1 , { "x" : "y" } ] `)
	f(`"\\u0000 is text, and so is \""`)
}

func TestCheckJSONRefuses(t *testing.T) {
	f := func(raw, path string) {
		t.Helper()
		err := CheckJSON([]byte(raw), "p")
		var ie *InputError
		if !errors.As(err, &ie) || ie.Path != path {
			t.Fatalf("CheckJSON(%q) = %v, want an error at %q", raw, err, path)
		}
	}
	f("{\"a\":\"\xff\"}", "p.a")
	f("{\"a\":[1,{\"b\":\"ok\",\"c\":\"\xc3\"}]}", "p.a[1].c")
	f(`{"a":"\ud800"}`, "p.a")
	f(`{"a":"\udc00\ud800"}`, "p.a")
	f(`[1,2,1e400]`, "p[2]")
	f(`{"n":-1e309}`, "p.n")
}

// FuzzCheckJSON: no panic; what it accepts is UTF-8 and decodes to
// numbers a float64 holds.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x"]}`, "{\"a\":\"\xff\"}", `{"a":"\ud800"}`, `[1e400]`, `"\ud83d\ude00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // CheckJSON is only given parsed JSON
		}
		if CheckJSON(raw, "") != nil {
			return
		}
		if !utf8.Valid(raw) {
			t.Fatalf("accepted bytes that are not UTF-8: %q", raw)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", raw, err)
		}
	})
}

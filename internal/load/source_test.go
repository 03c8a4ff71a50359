package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every feature of in, fed a byte at a time (so that every
// split of the input is exercised), as "id|geometry|properties|n" lines.
func readAll(in string) ([]string, error) {
	r := NewReader(iotest.OneByteReader(strings.NewReader(in)))
	var got []string
	for {
		f, err := r.Next()
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, compact(f.ID)+"|"+compact(f.Geometry)+"|"+compact(f.Properties)+"|"+itoa(f.N))
	}
}

func compact(b []byte) string {
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return string(b)
	}
	return c.String()
}

const (
	fa = `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"k":1}}`
	fb = `{"properties":null,"geometry":null,"id":7,"type":"Feature"}`
)

var want = []string{`"a"|{"type":"Point","coordinates":[1,2]}|{"k":1}|0`, `7|null|null|1`}

func TestReaderFormats(t *testing.T) {
	f := func(name, in string) {
		t.Helper()
		got, err := readAll(in)
		if err != nil || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: %v\n%s", name, err, strings.Join(got, "\n"))
		}
	}
	f("collection", `{"type":"FeatureCollection","features":[`+fa+`,`+fb+`]}`)
	f("collection, members after the features", `{"features":[`+fa+",\n  "+fb+`],"type":"FeatureCollection","bbox":[0,0,1,1]}`+"\n")
	f("collection, members before", ` {"name":"x","crs":{"type":"name"},"type":"FeatureCollection","features":[`+fa+`,`+fb+`]}`)
	f("ndjson", fa+"\n"+fb+"\n")
	f("ndjson without the last newline, with blank lines and CRLF", "\n"+fa+"\r\n\r\n"+fb)
	f("RFC 8142", "\x1e"+fa+"\n\x1e"+fb+"\n")
	f("pretty-printed sequence", strings.ReplaceAll(fa, ",", ",\n  ")+"\n"+fb)
}

func TestReaderEmptyCollection(t *testing.T) {
	got, err := readAll(`{"type":"FeatureCollection","features":[]}`)
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
}

func TestReaderRefuses(t *testing.T) {
	f := func(in, wantErr string) {
		t.Helper()
		_, err := readAll(in)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%q: error %v, want one saying %q", in, err, wantErr)
		}
	}
	f(``, "holds no JSON")
	f(`[1,2]`, "starts with [")
	f(`{"type":"FeatureCollection","features":[`+fa, "ends in the middle")
	f(`{"type":"FeatureCollection","features":[`+fa+`,`+fa[:20], "ends in the middle")
	f(fa+"\n"+fa[:30], "ends in the middle")
	f(`{"type":"FeatureCollection","features":[{"type":"Point"}]}`, `features[0]: its type is "Point"`)
	f(fa+"\n"+`{"id":1}`, `feature 1: its type is missing`)
	f(`{"type":"Topology","features":[]}`, "want a FeatureCollection")
	f(`{"type":"FeatureCollection"}`, "no features member")
	f(`{"type":"FeatureCollection","features":[]} {}`, "more JSON after")
	f(`{"type":"FeatureCollection","features":{}}`, "must be an array")
	f(fa+"\n{bad", "at byte")
}

// A read error of the input is returned as it is.
func TestReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader(fa+"\n"), iotest.ErrReader(boom)))
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the read error", err)
	}
}

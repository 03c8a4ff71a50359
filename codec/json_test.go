package codec

import (
	"encoding/json"
	"testing"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	f := func(s string) {
		t.Helper()
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
		if got := AppendString(nil, []byte(s)); string(got) != string(want) {
			t.Fatalf("AppendString([]byte %q) = %s, want %s", s, got, want)
		}
	}
	f("")
	f("plain")
	f(`quote " and \ backslash`)
	f("ctl \x00\x01\x1f\n\r\t\b\f")
	f("<html> & friends")
	f("ünïcödé ✓ 😀")
	f("bad utf8 \xff\xfe end")
	f("line sep \u2028 para sep \u2029")
}

func FuzzAppendString(f *testing.F) {
	f.Add("seed \x00 \"x\" \xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestAppendInt(t *testing.T) {
	f := func(n int64, want string) {
		t.Helper()
		if got := AppendInt(nil, n); string(got) != want {
			t.Fatalf("AppendInt(%d) = %s, want %s", n, got, want)
		}
	}
	f(0, "0")
	f(7, "7")
	f(-42, "-42")
	f(9223372036854775807, "9223372036854775807")
	f(-9223372036854775808, "-9223372036854775808")
}

func TestAppendProblemIsValidJSON(t *testing.T) {
	p := Problem{Type: "/problems/not-found", Title: "Not Found", Status: 404,
		Detail: `no route for "/x"`, Instance: []byte("/x?a=<b>")}
	var got map[string]any
	if err := json.Unmarshal(AppendProblem(nil, &p), &got); err != nil {
		t.Fatal(err)
	}
	if got["type"] != p.Type || got["status"] != float64(404) || got["instance"] != "/x?a=<b>" || got["detail"] != p.Detail {
		t.Fatalf("round trip: %v", got)
	}
}

func TestAppendProblemAllocs(t *testing.T) {
	p := Problem{Type: "/problems/not-found", Title: "Not Found", Status: 404, Instance: []byte("/x")}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = AppendProblem(buf[:0], &p) }); n != 0 {
		t.Fatalf("AppendProblem allocates %v times per call, want 0", n)
	}
}

func TestAppendPointRoundTrips(t *testing.T) {
	f := func(lon, lat float64) {
		t.Helper()
		var g struct {
			Type        string
			Coordinates []float64
		}
		b := AppendPoint(nil, lon, lat)
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if g.Type != "Point" || len(g.Coordinates) != 2 || g.Coordinates[0] != lon || g.Coordinates[1] != lat {
			t.Fatalf("%s read back as %+v", b, g)
		}
	}
	f(0, 0)
	f(-180, 90)
	f(13.404954, 52.520008)
	f(1e-7, -0.000012345678901234)
	f(179.99999999999997, -89.99999999999999)
}

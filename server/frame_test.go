package server

import (
	"strings"
	"testing"
)

func testLimits() *Limits {
	l := Limits{MaxBodyBytes: 64, MaxHeaderBytes: 256, MaxHeaderFields: 8, MaxTargetBytes: 64}.withDefaults()
	return &l
}

// frameAll feeds raw to a new framer whole and returns its verdict.
func frameAll(raw string) (int, int) {
	f := framer{lim: testLimits()}
	return f.next([]byte(raw))
}

// frameSplit feeds raw growing one byte at a time, as a slow client would,
// and returns the first verdict that is not "need more".
func frameSplit(raw string) (int, int) {
	f := framer{lim: testLimits()}
	for i := 1; i <= len(raw); i++ {
		if n, st := f.next([]byte(raw[:i])); n != 0 || st != 0 {
			return n, st
		}
	}
	return 0, 0
}

func TestFramerAccepts(t *testing.T) {
	f := func(raw string, wantLen int) {
		t.Helper()
		raw = strings.ReplaceAll(raw, "\n", "\r\n")
		if wantLen < 0 {
			wantLen = len(raw)
		}
		for _, frame := range []func(string) (int, int){frameAll, frameSplit} {
			n, st := frame(raw + "GET /next HTTP/1.1\r\n")
			if st != 0 || n != wantLen {
				t.Fatalf("%q: got length %d status %d, want length %d", raw, n, st, wantLen)
			}
		}
	}
	f("GET / HTTP/1.1\nHost: a\n\n", -1)
	f("GET / HTTP/1.0\n\n", -1) // no Host needed in HTTP/1.0
	f("\n\nGET / HTTP/1.1\nHost: a\n\n", -1)
	f("GET /a%20b?x=1&y=%2F HTTP/1.1\nHost: a\n\n", -1)
	f("GET http://a/b HTTP/1.1\nHost: a\n\n", -1)
	f("OPTIONS * HTTP/1.1\nHost: a\n\n", -1)
	f("CONNECT a:443 HTTP/1.1\nHost: a:443\n\n", -1)
	f("GET / HTTP/1.1\nHost:\n\n", -1) // empty Host is valid
	f("GET / HTTP/1.1\nHost: a\nX-Tab:\tv\t\nX-Obs: caf\xc3\xa9\n\n", -1)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 5\n\nhello", -1)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 0\n\n", -1)
	f("POST / HTTP/1.1\nHost: a\nContent-Length:  1 \n\nx", -1) // OWS is trimmed
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 064\n\n"+strings.Repeat("x", 64), -1)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5\nhello\n0\n\n", -1)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: Chunked\n\n5;ext=1;y\nhello\nA\n0123456789\n0\nTrailer-X: 1\n\n", -1)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: ,chunked\n\n0\n\n", -1)
	f("POST / HTTP/1.1\nHost: a\nExpect: 100-Continue\nContent-Length: 1\n\nx", -1)
	f("get / HTTP/1.1\nHost: a\n\n", -1) // a token: the router answers 501
}

func TestFramerRejects(t *testing.T) {
	f := func(raw string, want int) {
		t.Helper()
		checkReject(t, strings.ReplaceAll(raw, "\n", "\r\n"), want)
	}
	// Request lines.
	f("GET /\n\n", 400)
	f("GET  / HTTP/1.1\nHost: a\n\n", 400)
	f("GET / HTTP/1.1 \nHost: a\n\n", 400)
	f(" GET / HTTP/1.1\nHost: a\n\n", 400)
	f("G(T / HTTP/1.1\nHost: a\n\n", 400)
	f("GET / http/1.1\nHost: a\n\n", 400)
	f("GET / HTTP/1.10\nHost: a\n\n", 400)
	f("GET /a b HTTP/1.1\nHost: a\n\n", 400)
	f("GET /a%zz HTTP/1.1\nHost: a\n\n", 400)
	f("GET /a%2 HTTP/1.1\nHost: a\n\n", 400)
	f("GET /a\"b HTTP/1.1\nHost: a\n\n", 400)
	f("GET ?x HTTP/1.1\nHost: a\n\n", 400)
	f("GET 0 HTTP/1.0\n\n", 400)              // no form of target
	f("GET a:443 HTTP/1.1\nHost: a\n\n", 400) // authority-form is for CONNECT
	f("GET http:/a HTTP/1.1\nHost: a\n\n", 400)
	f("GET 1http://a/ HTTP/1.1\nHost: a\n\n", 400)
	f("CONNECT /a HTTP/1.1\nHost: a\n\n", 400)
	f("GET ** HTTP/1.1\nHost: a\n\n", 400)
	f("GET / HTTP/2.0\nHost: a\n\n", 505)
	f("GET / HTTP/0.9\nHost: a\n\n", 505)
	f("GET /"+strings.Repeat("a", 64)+" HTTP/1.1\nHost: a\n\n", 414)
	f("GET /"+strings.Repeat("a", 200), 414) // no line end yet: refused early
	// Line endings and field syntax.
	f("GET / HTTP/1.1\nHost: a\nX: a\rb\n\n", 400)                       // CR inside a value
	f("GET / HTTP/1.1\nHost: a\nX: a\x00b\n\n", 400)                     // NUL inside a value
	f("GET / HTTP/1.1\nHost: a\nX: a\x7fb\n\n", 400)                     // DEL inside a value
	f("GET / HTTP/1.1\nHost: a\nX : b\n\n", 400)                         // whitespace before the colon
	f("GET / HTTP/1.1\nHost: a\nX: b\n  folded\n\n", 400)                // obs-fold
	f("GET / HTTP/1.1\nHost: a\n: b\n\n", 400)                           // empty name
	f("GET / HTTP/1.1\nHost: a\nno colon\n\n", 400)                      // no colon
	f("GET / HTTP/1.1\n\n", 400)                                         // HTTP/1.1 without Host
	f("GET / HTTP/1.1\nHost: a\nHost: a\n\n", 400)                       // repeated Host
	f("GET / HTTP/1.1\nHost: a b\n\n", 400)                              // bad Host
	f("GET / HTTP/1.1\nHost: a\nExpect: teapot\n\n", 417)                // unknown expectation
	f("GET / HTTP/1.1\nHost: a\n"+strings.Repeat("X: y\n", 8)+"\n", 431) // fields
	f("GET / HTTP/1.1\nHost: a\nX: "+strings.Repeat("y", 250)+"\n\n", 431)
	f("GET / HTTP/1.1\nHost: a\nX: "+strings.Repeat("y", 300), 431) // no line end yet
	// Body framing.
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 65\n\n", 413)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: -1\n\n", 400)
}

func TestFramerRejectsBodyFraming(t *testing.T) {
	f := func(raw string, want int) {
		t.Helper()
		checkReject(t, strings.ReplaceAll(raw, "\n", "\r\n"), want)
	}
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 1,1\n\nx", 400)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 1\nContent-Length: 1\n\nx", 400)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 1\nContent-Length: 2\n\nxy", 400)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: +1\n\nx", 400)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 0x1\n\nx", 400)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 99999999999999999999\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nContent-Length: 1\nTransfer-Encoding: chunked\n\n0\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nContent-Length: 1\n\n0\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: gzip\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked, gzip\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked, chunked\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: gzip, chunked\n\n", 501)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nTransfer-Encoding: chunked\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding:\n\n", 400)
	f("POST / HTTP/1.0\nTransfer-Encoding: chunked\n\n0\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\nx\n", 400)         // not hex
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n\n", 400)          // no size
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5 \nhello\n", 400) // BWS
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n-5\nhello\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n1000000000000000\n", 400) // 16 digits
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5\nhelloX\n", 400)        // no CRLF after data
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5\r\rhello\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5;a\x00b\nhello\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n41\n", 413)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n40\n"+strings.Repeat("x", 64)+"\n1\n", 413)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n0\nBad Trailer: x\n\n", 400)
	f("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n0\n"+strings.Repeat("T: x\n", 9)+"\n", 431)
}

// checkReject demands status for raw, whole and fed a byte at a time.
func checkReject(t *testing.T, raw string, want int) {
	t.Helper()
	for _, frame := range []func(string) (int, int){frameAll, frameSplit} {
		if n, st := frame(raw); st != want {
			t.Fatalf("%q: got length %d status %d, want status %d", raw, n, st, want)
		}
	}
}

func TestFramerRejectsBareLF(t *testing.T) {
	f := func(raw string) {
		t.Helper()
		checkReject(t, raw, 400)
	}
	f("GET / HTTP/1.1\nHost: a\r\n\r\n")
	f("GET / HTTP/1.1\r\nHost: a\n\r\n")
	f("GET / HTTP/1.1\r\nHost: a\r\n\n")
	f("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
	f("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\n\r\n")
	f("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n")
}

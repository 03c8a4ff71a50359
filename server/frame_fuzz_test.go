package server

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzFramer checks the framer three ways on arbitrary input:
//   - split anywhere, it gives the verdict it gives the whole input;
//   - where it accepts a request, net/http.ReadRequest accepts the same bytes
//     with the same method, target and body;
//   - where fasthttp (which parses what the framer delimits) also accepts,
//     it reads the same body, consuming exactly the delimited bytes.
func FuzzFramer(f *testing.F) {
	for _, tc := range engineCases {
		f.Add([]byte(crlf(tc.Raw)), uint16(7))
	}
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n0\r\nT: 1\r\n\r\n"), uint16(60))
	f.Add([]byte("\r\n\r\nGET /a?b=%20 HTTP/1.0\r\nX: y\r\n\r\n"), uint16(3))
	lim := Limits{MaxBodyBytes: 1 << 16}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		whole := framer{lim: &lim}
		n, st := whole.next(data)

		parts := framer{lim: &lim}
		k := int(split) % (len(data) + 1)
		n2, st2 := parts.next(data[:k])
		if n2 == 0 && st2 == 0 {
			n2, st2 = parts.next(data)
		}
		if n != n2 || st != st2 {
			t.Fatalf("split at %d gives (%d, %d), whole gives (%d, %d)", k, n2, st2, n, st)
		}
		if n == 0 {
			return
		}
		raw := data[whole.start:n]
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil && strings.Contains(err.Error(), "unsupported transfer encoding") && emptyCoding(raw) {
			return // RFC 9110 §5.6.1: empty list elements are ignored (TestFramerAccepts); net/http refuses them
		}
		if err != nil {
			t.Fatalf("framer accepted %q, net/http refuses it: %v", raw, err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatalf("framer accepted %q, net/http cannot read its body: %v", raw, err)
		}
		line := raw[:bytes.IndexByte(raw, '\r')]
		method, rest, _ := bytes.Cut(line, []byte(" "))
		target, _, _ := bytes.Cut(rest, []byte(" "))
		if req.Method != string(method) || req.RequestURI != string(target) {
			t.Fatalf("net/http read %s %s, framer saw %s %s", req.Method, req.RequestURI, method, target)
		}

		var fr fasthttp.Request
		br := bufio.NewReaderSize(bytes.NewReader(raw), lim.MaxHeaderBytes+4096)
		if err := fr.Header.Read(br); err != nil {
			return // answered 400 by the engine
		}
		if err := fr.ContinueReadBody(br, int(lim.MaxBodyBytes), false); err != nil {
			return
		}
		if br.Buffered() != 0 {
			return // answered 400: fasthttp did not consume the request exactly
		}
		if !bytes.Equal(fr.Body(), body) {
			t.Fatalf("fasthttp read body %q, net/http %q", fr.Body(), body)
		}
	})
}

// emptyCoding reports whether a Transfer-Encoding field of raw holds an
// empty list element (",chunked", "chunked, ,").
func emptyCoding(raw []byte) bool {
	for _, line := range strings.Split(string(raw), "\r\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(name, "transfer-encoding") {
			continue
		}
		for _, item := range strings.Split(value, ",") {
			if strings.Trim(item, " \t") == "" {
				return true
			}
		}
	}
	return false
}

package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
)

// A client that sends pipelined requests and then shuts its write side
// down gets every answer, in order, those of worker routes that finish
// after the EOF included; then the server closes.
func TestHalfCloseGetsEveryAnswer(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			s := start(t, engine, server.Options{})
			c, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			reqs := []string{"/fast/1", "/slow/80", "/fast/2", "/slow/40", "/fast/3"}
			var raw strings.Builder
			for _, p := range reqs {
				raw.WriteString("GET " + p + " HTTP/1.1\r\nHost: a\r\n\r\n")
			}
			c.Write([]byte(raw.String()))
			c.(*net.TCPConn).CloseWrite()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			for i, p := range reqs {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("answer %d (%s): %v", i, p, err)
				}
				body, _ := io.ReadAll(resp.Body)
				n := strings.TrimPrefix(strings.TrimPrefix(p, "/fast/"), "/slow/")
				if resp.StatusCode != 200 || !strings.Contains(string(body), n) {
					t.Fatalf("answer %d: %d %q, want 200 for %s", i, resp.StatusCode, body, p)
				}
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("after the answers: %v, want EOF", err)
			}
		})
	}
}

// In the afterlife too, a read past its budget answers its own result,
// and those behind it follow.
func TestHalfCloseWaitsForLateReads(t *testing.T) {
	s := start(t, "gnet", server.Options{Budget: 50 * time.Millisecond})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET /slow/300 HTTP/1.1\r\nHost: a\r\n\r\nGET /fast/2 HTTP/1.1\r\nHost: a\r\n\r\n"))
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for i, want := range []string{"slow 300 ", "fast 2 "} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != want {
			t.Fatalf("answer %d: %d %q, want 200 %q", i, resp.StatusCode, body, want)
		}
	}
}

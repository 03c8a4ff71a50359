package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawExchange sends raw on a new connection and returns what comes back
// until the server closes it (or a second passes).
func rawExchange(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(raw))
	c.SetReadDeadline(time.Now().Add(time.Second))
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return string(out)
		}
	}
}

// Requests the engines refuse never put their bytes (a bearer token among
// them) into any log, on either engine; the error log still says what was
// refused: method and target (on gnet: fasthttp resets them first).
func TestNoRequestBytesInLogs(t *testing.T) {
	bin := build(t)
	const secret = "s3cr3t-t0ken-do-not-log"
	bad := []string{
		"GET /refused/a HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + secret + "\r\nNo colon here\r\n\r\n",
		"GET /refused/b HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + secret + "\r\nX: " + strings.Repeat("x", 9000) + "\r\n\r\n",
		"GET /refused/c HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + secret + "\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
		"G(T /refused/d HTTP/1.1\r\nAuthorization: Bearer " + secret + "\r\n\r\n",
	}
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) {
			logs := t.TempDir()
			p := start(t, bin, nil, "-engine", engine, "-log-dir", logs)
			for _, raw := range bad {
				if out := rawExchange(t, p.addr, raw); !strings.HasPrefix(out, "HTTP/1.1 4") {
					t.Fatalf("%q answered %q, want a 4xx", raw[:30], out)
				}
			}
			processLog, err := p.stop()
			if err != nil {
				t.Fatal(err)
			}
			errorLog, _ := os.ReadFile(filepath.Join(logs, "errors.jsonl"))
			for name, text := range map[string]string{"process log": processLog, "error log": string(errorLog)} {
				if strings.Contains(text, secret) {
					t.Errorf("the %s holds the bearer token:\n%s", name, text)
				}
			}
			if n := strings.Count(string(errorLog), `"route":"rejected"`); n != len(bad) {
				t.Errorf("%d rejections in the error log, want %d:\n%s", n, len(bad), errorLog)
			}
			if engine == "gnet" && !strings.Contains(string(errorLog), `"route":"rejected","method":"GET","target":"/refused/a"`) {
				t.Errorf("the error log does not name the refused request:\n%s", errorLog)
			}
		})
	}
}

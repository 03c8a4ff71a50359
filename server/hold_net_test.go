package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
)

// fasthttp.Server cannot hold a request: the same handlers answer before
// they return, and the answers are the same.
func TestHoldOnBothEngines(t *testing.T) {
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) {
			s := start(t, engine, server.Options{Budget: time.Second})
			for _, path := range []string{"/held/5", "/held/0"} {
				req, _ := http.NewRequest("PUT", "http://"+s.Addr()+path, strings.NewReader(""))
				if body := do(t, http.DefaultClient, req, 201); !strings.HasPrefix(body, "held ") {
					t.Fatalf("PUT %s: %q", path, body)
				}
			}
			out, _ := exchangeRaw(t, s.Addr(), []byte(strings.ReplaceAll("GET /held/20 HTTP/1.1\nHost: a\n\nGET /fast/3 HTTP/1.1\nHost: a\n\n", "\n", "\r\n")), 200*time.Millisecond)
			if i, j := bytes.Index(out, []byte("held 20")), bytes.Index(out, []byte("fast 3")); i < 0 || j < i {
				t.Fatalf("pipelined: %q", out)
			}
		})
	}
}

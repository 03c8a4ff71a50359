package server_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geometryos/daemon1/internal/testtool"
	"github.com/geometryos/daemon1/server"
)

func curl(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(testtool.Require(t, "curl", "curl"), append([]string{"-sS", "--http1.1", "--max-time", "10"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

func TestCurl(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			s := start(t, engine, server.Options{})
			base := "http://" + s.Addr()

			// Keep-alive: three transfers in one curl share one connection.
			out, _ := curl(t, "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n", base+"/fast/1", base+"/fast/2", base+"/healthz")
			if out != "200 1\n200 0\n200 0\n" {
				t.Fatalf("curl keep-alive: got %q, want one connection for three 200s", out)
			}

			// Chunked upload of a file.
			file := filepath.Join(t.TempDir(), "body")
			payload := strings.Repeat("0123456789", 10000)
			if err := os.WriteFile(file, []byte(payload), 0o600); err != nil {
				t.Fatal(err)
			}
			out, _ = curl(t, "-H", "Transfer-Encoding: chunked", "--data-binary", "@"+file, base+"/echo")
			if !strings.HasPrefix(out, "POST /echo body=\"0123456789") || len(out) != len(`POST /echo body=""`)+len(payload) {
				t.Fatalf("curl chunked upload: handler saw %d bytes: %.60q…", len(out), out)
			}

			// Expect: 100-continue: curl waits for the interim answer.
			out, errOut := curl(t, "-v", "-H", "Expect: 100-continue", "--expect100-timeout", "10", "--data-binary", "@"+file, base+"/echo")
			if !strings.Contains(errOut, "HTTP/1.1 100 Continue") {
				t.Fatalf("curl saw no 100 Continue:\n%s", errOut)
			}
			if len(out) != len(`POST /echo body=""`)+len(payload) {
				t.Fatalf("curl expect-continue upload: handler saw %d bytes", len(out))
			}
		})
	}
}

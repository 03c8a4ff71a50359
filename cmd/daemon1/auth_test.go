package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNonLoopbackNeedsAToken(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := func(ok bool, args ...string) {
		t.Helper()
		if _, err := parseFlags(args); (err == nil) != ok {
			t.Fatalf("parseFlags(%q): %v, want ok=%v", args, err, ok)
		}
	}
	f(true, "-listen", "127.0.0.1:8080")
	f(true, "-listen", "[::1]:8080")
	f(true, "-listen", "localhost:8080")
	f(false, "-listen", ":8080")
	f(false, "-listen", "0.0.0.0:8080")
	f(false, "-listen", "10.1.2.3:8080")
	f(false, "-listen", "example.com:8080")
	f(true, "-listen", ":8080", "-auth-token-file", token)
	f(true, "-listen", "0.0.0.0:8080", "-insecure-no-auth")

	if got, err := readToken(token); err != nil || got != "s3cret" {
		t.Fatalf("readToken: %q %v", got, err)
	}
	for _, bad := range []string{"", "  \n", "two words"} {
		p := filepath.Join(t.TempDir(), "bad")
		os.WriteFile(p, []byte(bad), 0o600)
		if _, err := readToken(p); err == nil {
			t.Fatalf("token file %q accepted", bad)
		}
	}
	if _, err := readToken(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing token file was accepted")
	}
}

// tokenFile writes a token file holding "s3cret".
func tokenFile(t *testing.T) string {
	t.Helper()
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	return token
}

// statusWith is the status of method url sent with the Authorization
// header auth (none when empty).
func statusWith(t *testing.T, method, url, auth string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(""))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The binary takes its token from the file: writes and /admin/* need it,
// reads and (without -auth-metrics) /metrics do not.
func TestBinaryAuthToken(t *testing.T) {
	bin := build(t)
	addr, stop := launch(t, bin, "-listen", "127.0.0.1:0", "-auth-token-file", tokenFile(t))
	defer stop()
	base := "http://" + addr
	f := func(method, path, auth string, want int) {
		t.Helper()
		if code := statusWith(t, method, base+path, auth); code != want {
			t.Fatalf("%s %s with %q: %d, want %d", method, path, auth, code, want)
		}
	}
	f("PUT", "/collections/c", "", 401)
	f("PUT", "/collections/c", "Bearer s3cret", 201)
	f("GET", "/collections/c", "", 200)
	f("GET", "/admin/errors", "", 401) // it names clients
	f("GET", "/admin/errors", "Bearer s3cret", 200)
	f("GET", "/metrics", "", 200)

	// -auth-metrics puts /metrics behind the token too.
	addr, stopToo := launch(t, bin, "-listen", "127.0.0.1:0", "-auth-token-file", tokenFile(t), "-auth-metrics")
	defer stopToo()
	base = "http://" + addr
	f("GET", "/metrics", "", 401)
	f("GET", "/metrics", "Bearer wrong", 401)
	f("GET", "/metrics", "Bearer s3cret", 200)
	f("GET", "/healthz", "", 200)
}

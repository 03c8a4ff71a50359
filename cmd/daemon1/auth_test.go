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

// The binary takes its token from the file: writes need it, reads do not.
func TestBinaryAuthToken(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, stop := launch(t, build(t), "-listen", "127.0.0.1:0", "-auth-token-file", token)
	defer stop()
	put := func(auth string) int {
		req, _ := http.NewRequest("PUT", "http://"+addr+"/collections/c", strings.NewReader(""))
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
	if code := put(""); code != 401 {
		t.Fatalf("a write without the token: %d", code)
	}
	if code := put("Bearer s3cret"); code != 201 {
		t.Fatalf("a write with the token: %d", code)
	}
	if code := get(t, "http://"+addr+"/collections/c"); code != 200 {
		t.Fatalf("a read: %d", code)
	}
	// /admin/* names clients: it needs the token; /metrics does not
	// without -auth-metrics.
	if code := get(t, "http://"+addr+"/admin/errors"); code != 401 {
		t.Fatalf("/admin/errors without the token: %d", code)
	}
	if code := get(t, "http://"+addr+"/metrics"); code != 200 {
		t.Fatalf("/metrics without the token: %d", code)
	}
}

// -auth-metrics puts /metrics behind the token too.
func TestAuthMetrics(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, stop := launch(t, build(t), "-listen", "127.0.0.1:0", "-auth-token-file", token, "-auth-metrics")
	defer stop()
	scrape := func(auth string) int {
		req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
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
	if code := scrape(""); code != 401 {
		t.Fatalf("/metrics without the token: %d", code)
	}
	if code := scrape("Bearer wrong"); code != 401 {
		t.Fatalf("/metrics with another token: %d", code)
	}
	if code := scrape("Bearer s3cret"); code != 200 {
		t.Fatalf("/metrics with the token: %d", code)
	}
	if code := get(t, "http://"+addr+"/healthz"); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
}

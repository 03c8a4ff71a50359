package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geometryos/daemon1/internal/testtool"
)

// matched is numberMatched of a collection's listing (-1 if it is missing).
func matched(t *testing.T, base, coll string) int {
	t.Helper()
	resp, err := http.Get(base + "/collections/" + coll + "/items?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 404 {
		return -1
	}
	var page struct{ NumberMatched int }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	return page.NumberMatched
}

// pointsFile writes n points as a FeatureCollection: the even ones with
// an id "p<i>", the odd ones without (they get -id-prefix's).
func pointsFile(t *testing.T, n int) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		id := ""
		if i%2 == 0 {
			id = fmt.Sprintf(`"id":"p%d",`, i)
		}
		fmt.Fprintf(&b, `{"type":"Feature",%s"geometry":{"type":"Point","coordinates":[%d.%d,%d.5]},"properties":{"i":%d}}`, id, i%359-179, i%1000, i%170-85, i)
	}
	b.WriteString("]}\n")
	p := filepath.Join(t.TempDir(), "points.geojson")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadCmd is a daemon1 load of file into coll on addr.
func loadCmd(bin, addr, coll, file string, flags ...string) *exec.Cmd {
	args := append([]string{"load", "-addr", addr, "-collection", coll}, flags...)
	return exec.Command(bin, append(args, file)...)
}

// A load killed halfway and run again ends with every feature once: the
// ones with ids and those named by -id-prefix, over either protocol.
func TestLoadResumesAfterKill(t *testing.T) {
	bin := build(t)
	const n = 200000
	file := pointsFile(t, n)
	addr, stop := launch(t, bin)
	defer stop()
	base := "http://" + addr
	for _, protocol := range []string{"binary", "http"} {
		coll := "pts_" + protocol
		flags := []string{"-protocol", protocol, "-id-prefix", "anon-", "-batch", "500", "-workers", "2"}
		first := loadCmd(bin, addr, coll, file, flags...)
		var out bytes.Buffer
		first.Stderr = &out
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, 60*time.Second, "the first load to be half done", func() bool { return matched(t, base, coll) >= n/2 })
		first.Process.Signal(syscall.SIGKILL)
		first.Wait()
		half := matched(t, base, coll)
		if half >= n {
			t.Fatalf("%s: the load was done (%d features) before it was killed: make the file bigger", protocol, half)
		}
		second := loadCmd(bin, addr, coll, file, flags...)
		b, err := second.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: the second load: %v\n%s", protocol, err, b)
		}
		if got := matched(t, base, coll); got != n {
			t.Fatalf("%s: %d features after the second load, want %d\n%s", protocol, got, n, b)
		}
		summary := fmt.Sprintf("features into %q", coll)
		if !strings.Contains(string(b), summary) || !strings.Contains(string(b), "skipped") {
			t.Fatalf("%s: the summary does not say what was skipped:\n%s", protocol, b)
		}
		for _, id := range []string{"p0", "anon-1", fmt.Sprintf("p%d", n-2), fmt.Sprintf("anon-%d", n-1)} {
			if code := get(t, base+"/collections/"+coll+"/items/"+id); code != 200 {
				t.Fatalf("%s: GET %s: %d", protocol, id, code)
			}
		}
		t.Logf("%s: killed at %d of %d features; then: %s", protocol, half, n, strings.TrimSpace(string(b)))
	}
}

// Every input format loads over both protocols; a daemon1 whose -max-body
// is smaller than a request gets it split; -if-exists fail stops at a
// conflict and says how to go on; writes carry the token of -token-file.
func TestLoadFormatsAndLimits(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("s3cret\n"), 0o600)
	addr, stop := launch(t, bin, "-auth-token-file", token, "-max-body", "20000", "-max-bulk", "100000")
	defer stop()
	base := "http://" + addr
	feature := func(i int) string {
		return fmt.Sprintf(`{"type":"Feature","id":"f%d","geometry":{"type":"Point","coordinates":[%d,1]},"properties":{"i":%d}}`, i, i%180, i)
	}
	var nd, seq, fc []string
	for i := range 3000 {
		nd = append(nd, feature(i))
		seq = append(seq, "\x1e"+feature(i)+"\n")
		fc = append(fc, feature(i))
	}
	inputs := map[string]string{
		"nd.geojsonl":  strings.Join(nd, "\n") + "\n",
		"seq.geojsons": strings.Join(seq, ""),
		"fc.geojson":   `{"type":"FeatureCollection","features":[` + strings.Join(fc, ",\n") + "]}",
	}
	for name, body := range inputs {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		for _, protocol := range []string{"binary", "http"} {
			coll := strings.TrimSuffix(name[:strings.IndexByte(name, '.')], "l") + "_" + protocol
			b, err := loadCmd(bin, addr, coll, p, "-protocol", protocol, "-token-file", token).CombinedOutput()
			if err != nil {
				t.Fatalf("%s over %s: %v\n%s", name, protocol, err, b)
			}
			if got := matched(t, base, coll); got != 3000 {
				t.Fatalf("%s over %s: %d features, want 3000\n%s", name, protocol, got, b)
			}
			if !strings.Contains(string(b), "split") || strings.Contains(string(b), " 0 split") {
				t.Fatalf("%s over %s: 3000 features in one request are over the frame cap (-max-body 20000, plus 64 KiB), yet nothing was split:\n%s", name, protocol, b)
			}
		}
	}
	p := filepath.Join(dir, "nd.geojsonl")
	for _, protocol := range []string{"http", "binary"} {
		b, err := loadCmd(bin, addr, "nd_"+protocol, p, "-protocol", protocol, "-token-file", token, "-if-exists", "fail").CombinedOutput()
		if err == nil || !strings.Contains(string(b), "-if-exists skip") {
			t.Fatalf("a load into a full collection under -if-exists fail, over %s: %v\n%s", protocol, err, b)
		}
	}
	b, err := loadCmd(bin, addr, "other", p).CombinedOutput()
	if err == nil || !strings.Contains(string(b), "token") {
		t.Fatalf("a load without the token: %v\n%s", err, b)
	}
	b, err = loadCmd(bin, addr, "other", filepath.Join(dir, "missing")).CombinedOutput()
	if err == nil || !strings.Contains(string(b), "no such file") {
		t.Fatalf("a load of a missing file: %v\n%s", err, b)
	}
}

// On a terminal the progress is one line redrawn in place (run under
// script(1), which gives the loader a pseudo-terminal), ending with the
// summary.
func TestLoadProgressOnATerminal(t *testing.T) {
	scriptBin := testtool.Require(t, "script", "bsdutils")
	bin := build(t)
	file := pointsFile(t, 100000)
	addr, stop := launch(t, bin)
	defer stop()
	cmd := exec.Command(scriptBin, "-qec", strings.Join([]string{bin, "load", "-addr", addr, "-collection", "tty", "-workers", "1", "-batch", "500", file}, " "), "/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%q", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "\r\x1b[K") || !strings.Contains(s, "/s, ") || !strings.Contains(s, "% of ") || !strings.Contains(s, `100,000 features into "tty"`) {
		t.Fatalf("no progress line redrawn in place, or no summary:\n%q", s)
	}
}

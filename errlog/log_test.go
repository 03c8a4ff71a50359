package errlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T, o Options) *Log {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	o.Logf = t.Logf
	l, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// lines reads every line of every log file in dir, backups included.
func lines(t *testing.T, dir string) []map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "errors*"))
	var out []map[string]any
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: a line is not JSON: %v: %s", f, err, sc.Bytes())
			}
			out = append(out, m)
		}
	}
	return out
}

func TestEntryFields(t *testing.T) {
	l := open(t, Options{})
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4321}
	l.Put(&Entry{Kind: "panic", Status: 500, Route: "/x/{id}", Method: "GET", RequestID: 0xabc,
		Remote: remote, Message: "handler panicked", Err: errors.New(`boom "quoted"`), Stack: []byte("goroutine 1\n\tmain.go:1")})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := lines(t, l.opts.Dir)
	if len(got) != 1 {
		t.Fatalf("%d lines, want 1", len(got))
	}
	want := map[string]any{"kind": "panic", "status": float64(500), "route": "/x/{id}", "method": "GET",
		"request_id": "0000000000000abc", "remote": "127.0.0.1:4321", "message": "handler panicked",
		"error": `boom "quoted"`, "stack": "goroutine 1\n\tmain.go:1"}
	for k, v := range want {
		if got[0][k] != v {
			t.Fatalf("%s = %v, want %v (line %v)", k, got[0][k], v, got[0])
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, got[0]["time"].(string)); err != nil {
		t.Fatalf("time: %v", err)
	}
}

// TestFlood: many goroutines put far more than the ring holds. Nothing
// blocks, and every entry is either written or counted as dropped, with the
// drops reported in the file itself.
func TestFlood(t *testing.T) {
	l := open(t, Options{RingSize: 16}) // small, so that the flood must overflow it
	const goroutines, each = 8, 5000
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := Entry{Kind: "bad_request", Status: 400, Message: "flood"}
			for i := 0; i < each; i++ {
				e.Time = time.Time{}
				l.Put(&e)
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	s := l.Stats()
	if s.Produced != goroutines*each || s.Written+s.Dropped+s.Failed != s.Produced {
		t.Fatalf("stats %+v: written + dropped + failed != produced (%d)", s, goroutines*each)
	}
	if s.Dropped == 0 {
		t.Fatalf("stats %+v: a ring of 16 took %d entries without dropping any; the test proves nothing", s, s.Produced)
	}
	var written, reported uint64
	for _, m := range lines(t, l.opts.Dir) {
		switch m["kind"] {
		case "bad_request":
			written++
		case "log_dropped":
			var n uint64
			if _, err := fmt.Sscanf(m["message"].(string), "dropped %d entries", &n); err != nil {
				t.Fatalf("drop notice %q: %v", m["message"], err)
			}
			reported += n
		}
	}
	if written != s.Written || reported != s.Dropped {
		t.Fatalf("file has %d entries and reports %d dropped; stats say %d and %d", written, reported, s.Written, s.Dropped)
	}
}

func TestRotation(t *testing.T) {
	l := open(t, Options{MaxSizeMB: 1, MaxBackups: 5})
	msg := strings.Repeat("m", 1000)
	for i := 0; i < 3000; i++ { // about 3 MB
		l.Put(&Entry{Kind: "bad_request", Message: msg})
		if i%500 == 0 {
			time.Sleep(20 * time.Millisecond) // let the drain keep up: this test is not about drops
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var files []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		files, _ = filepath.Glob(filepath.Join(l.opts.Dir, "errors-*.jsonl.gz"))
		pending, _ := filepath.Glob(filepath.Join(l.opts.Dir, "errors-*.jsonl"))
		if len(files) >= 2 && len(pending) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(files) < 2 {
		all, _ := filepath.Glob(filepath.Join(l.opts.Dir, "*"))
		t.Fatalf("after ~3 MB with a 1 MB limit: %v; want at least 2 compressed backups", all)
	}
	s := l.Stats()
	if n := uint64(len(lines(t, l.opts.Dir))); n != s.Written {
		t.Fatalf("%d lines on disk, %d written (stats %+v)", n, s.Written, s)
	}
}

// TestUnwritableDirectory: while the log directory cannot be written (here
// its path is a file, which stops root too) entries are counted as failed,
// Put still returns at once, and writing resumes when the path is fixed.
func TestUnwritableDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	if err := os.WriteFile(dir, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := open(t, Options{Dir: dir, WriteDeadline: 50 * time.Millisecond, FlushEvery: 10 * time.Millisecond})
	for i := 0; i < 10; i++ {
		l.Put(&Entry{Kind: "bad_request"})
	}
	waitFor(t, "the failed batch to be counted", func() bool { return l.Stats().Failed == 10 })
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l.Put(&Entry{Kind: "internal"})
	waitFor(t, "writing to resume", func() bool { return l.Stats().Written == 1 })
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := lines(t, dir); len(got) != 1 || got[0]["kind"] != "internal" {
		t.Fatalf("after the fix the file holds %v", got)
	}
}

func TestSnapshot(t *testing.T) {
	l := open(t, Options{Recent: 3})
	for i, kind := range []string{"a", "b", "b", "c", "c", "c"} {
		l.Put(&Entry{Kind: kind, Status: 400 + i})
	}
	waitFor(t, "the drain", func() bool { return l.Stats().Written == 6 })
	s := l.Snapshot()
	if s.Counts["a"] != 1 || s.Counts["b"] != 2 || s.Counts["c"] != 3 {
		t.Fatalf("counts %v", s.Counts)
	}
	if len(s.Recent) != 3 || !bytes.Contains(s.Recent[0], []byte(`"status":403`)) || !bytes.Contains(s.Recent[2], []byte(`"status":405`)) {
		t.Fatalf("recent %q, want the last 3, oldest first", s.Recent)
	}
	l.Close()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestHugeEntriesAreClipped: an entry far larger than the file limit is
// clipped and written, not refused forever.
func TestHugeEntriesAreClipped(t *testing.T) {
	l := open(t, Options{MaxSizeMB: 1})
	huge := strings.Repeat("x", 3<<20)
	l.Put(&Entry{Kind: "panic", Message: huge, Err: errors.New(huge), Stack: []byte(huge)})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := lines(t, l.opts.Dir)
	if s := l.Stats(); s.Written != 1 || len(got) != 1 {
		t.Fatalf("stats %+v, %d lines; want the entry written", s, len(got))
	}
	if n := len(got[0]["stack"].(string)); n != maxStack {
		t.Fatalf("stack of %d bytes, want it clipped to %d", n, maxStack)
	}
}

// TestRotationByAge: a small file is still rotated when its period ends.
func TestRotationByAge(t *testing.T) {
	l := open(t, Options{RotateEvery: 50 * time.Millisecond, NoCompress: true, MaxBackups: 100})
	for i := 0; i < 5; i++ {
		l.Put(&Entry{Kind: "bad_request", Status: 400 + i})
		time.Sleep(80 * time.Millisecond)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	backups, _ := filepath.Glob(filepath.Join(l.opts.Dir, "errors-*.jsonl"))
	if len(backups) < 2 {
		t.Fatalf("%d backups after 400 ms of 50 ms periods, want several", len(backups))
	}
	if n := len(lines(t, l.opts.Dir)); n != 5 {
		t.Fatalf("%d lines across the files, want all 5", n)
	}
}

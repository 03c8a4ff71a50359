package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geometryos/daemon1/store"
)

// send makes one request and returns its status and body; a transport
// error is status 0.
func send(c *http.Client, method, u, body string) (int, []byte) {
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// acks collects the ids whose writes were answered 2xx.
type acks struct {
	mu  sync.Mutex
	ids map[string]int // id → the last value of its property n acknowledged
}

func (a *acks) add(id string, n int) {
	a.mu.Lock()
	a.ids[id] = n
	a.mu.Unlock()
}

// writeUntilGone has writers PUT points until the daemon goes away (or
// stop closes): writer w writes ids w<w>-<i> (or, with ids > 0, rewrites
// ids of its own set again and again), and records each 2xx.
func writeUntilGone(base string, writers, ids int, a *acks, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d-%d", w, time.Now().UnixNano(), i)
				if ids > 0 {
					id = fmt.Sprintf("w%d-%d", w, i%ids)
				}
				body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%d.5,%d.25]},"properties":{"n":%d}}`, i%170, w, i)
				code, _ := send(c, "PUT", base+"/collections/c/items/"+id, body)
				switch {
				case code == 0:
					return // the daemon is gone
				case code == 200 || code == 201:
					a.add(id, i)
				}
			}
		}()
	}
	return &wg
}

// stored reads every feature of collection c through the next links:
// id → its property n; nothing if there is no collection c.
func stored(t *testing.T, base string) map[string]int {
	t.Helper()
	out := map[string]int{}
	if code, _ := send(http.DefaultClient, "GET", base+"/collections/c", ""); code == 404 {
		return out // the collection itself was lost (the negative control can lose it)
	}
	walk(t, base, "", func(raw json.RawMessage) {
		var f struct {
			ID         string
			Properties struct{ N int }
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		out[f.ID] = f.Properties.N
	})
	return out
}

// walk calls fn with every feature of collection c, page by page through
// the next links; a token, if not empty, is sent as Daemon1-Seq.
func walk(t *testing.T, base, token string, fn func(json.RawMessage)) {
	t.Helper()
	for next := base + "/collections/c/items?limit=10000"; next != ""; {
		code, body, _ := call(http.DefaultClient, "GET", next, "", token)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", next, code, body)
		}
		var page struct {
			Features []json.RawMessage
			Links    []struct{ Rel, Href string }
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, raw := range page.Features {
			fn(raw)
		}
		next = ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				u, _ := url.Parse(l.Href)
				next = base + u.RequestURI()
			}
		}
	}
}

// crashRounds kills daemon1 with SIGKILL at random moments under a write
// load, several times, appending garbage to the file's tail every other
// round, and returns the acknowledged writes missing after a restart.
func crashRounds(t *testing.T, env []string, rounds int) (acked int, missing []string) {
	return crashRoundsUnder(t, env, rounds, func(p *proc, a *acks) *sync.WaitGroup {
		return writeUntilGone("http://"+p.addr, 8, 0, a, nil)
	})
}

// crashRoundsUnder is crashRounds under the write load that load starts
// (it records what is acknowledged in a, and its WaitGroup is done once
// the daemon is gone).
func crashRoundsUnder(t *testing.T, env []string, rounds int, load func(p *proc, a *acks) *sync.WaitGroup) (acked int, missing []string) {
	bin := build(t)
	data := t.TempDir()
	a := &acks{ids: map[string]int{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for r := 0; r < rounds; r++ {
		p := start(t, bin, env, "-data-dir", data)
		base := "http://" + p.addr
		if r == 0 {
			if code, body := send(http.DefaultClient, "PUT", base+"/collections/c", ""); code != 201 {
				t.Fatalf("create: %d %s", code, body)
			}
		} else if !strings.Contains(p.log.String(), "replayed") {
			t.Fatalf("round %d: no replay report in the log:\n%s", r, p.log.String())
		}
		wg := load(p, a)
		time.Sleep(time.Duration(150+rng.IntN(450)) * time.Millisecond)
		p.kill()
		wg.Wait()
		if r%2 == 1 {
			garbage := make([]byte, 1+rng.IntN(300))
			for i := range garbage {
				garbage[i] = byte(rng.Uint32())
			}
			f, err := os.OpenFile(filepath.Join(data, store.FileName), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(garbage)
			f.Close()
		}
	}
	p := start(t, bin, env, "-data-dir", data)
	have := stored(t, "http://"+p.addr)
	p.stop()
	for id := range a.ids {
		if _, ok := have[id]; !ok {
			missing = append(missing, id)
		}
	}
	return len(a.ids), missing
}

// Every write acknowledged before a SIGKILL is there after the restart,
// with or without garbage after the last record.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	acked, missing := crashRounds(t, nil, 4)
	t.Logf("%d writes acknowledged over 4 crashes, %d missing", acked, len(missing))
	if acked == 0 {
		t.Fatal("no write was acknowledged: the test proves nothing")
	}
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged writes lost, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
}

// The negative control: a daemon that acknowledges writes before they are
// durable (a test-only switch) must fail the crash test, or the crash test
// could not catch a loss.
func TestCrashTestCatchesEarlyAcks(t *testing.T) {
	acked, missing := crashRounds(t, []string{"DAEMON1_TEST_ACK_BEFORE_DURABLE=1"}, 3)
	t.Logf("acknowledging early: %d acknowledged, %d lost", acked, len(missing))
	if len(missing) == 0 {
		t.Fatal("the crash test found no loss although writes were acknowledged before they were durable")
	}
}

// One flipped byte in the middle: daemon1 refuses to start and names the
// offset; with -aof-repair it starts with the records before it and keeps
// the rest in a file beside.
func TestCorruptionRefusesToStart(t *testing.T) {
	bin := build(t)
	data := t.TempDir()
	p := start(t, bin, nil, "-data-dir", data)
	base := "http://" + p.addr
	send(http.DefaultClient, "PUT", base+"/collections/c", "")
	for i := 0; i < 200; i++ {
		body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%d,1]},"properties":{"n":%d}}`, i%180, i)
		if code, b := send(http.DefaultClient, "PUT", fmt.Sprintf("%s/collections/c/items/p%03d", base, i), body); code != 201 {
			t.Fatalf("PUT: %d %s", code, b)
		}
	}
	p.stop()
	path := filepath.Join(data, store.FileName)
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 0x20
	os.WriteFile(path, b, 0o644)

	out, err := exec.Command(bin, "-listen", "127.0.0.1:0", "-log-dir", t.TempDir(), "-data-dir", data).CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("bad record at offset")) || !bytes.Contains(out, []byte("-aof-repair")) {
		t.Fatalf("daemon1 started on a corrupt file, or did not say where (%v):\n%s", err, out)
	}
	p = start(t, bin, nil, "-data-dir", data, "-aof-repair")
	have := stored(t, "http://"+p.addr)
	log, _ := p.stop()
	if len(have) == 0 || len(have) >= 200 || !strings.Contains(log, "REPAIRED") {
		t.Fatalf("after repair: %d features; log:\n%s", len(have), log)
	}
	aside, _ := filepath.Glob(path + ".damaged-*")
	if len(aside) != 1 {
		t.Fatalf("the damaged records were not kept aside: %v", aside)
	}
	for i := 0; i < len(have); i++ { // a prefix of the writes
		if _, ok := have[fmt.Sprintf("p%03d", i)]; !ok {
			t.Fatalf("p%03d is missing but later writes are there", i)
		}
	}
}

// The file is compacted in the background while writes go on: it stays
// bounded, and every id holds its last acknowledged value after a restart.
func TestCompactionUnderWrites(t *testing.T) {
	bin := build(t)
	data := t.TempDir()
	p := start(t, bin, nil, "-data-dir", data, "-aof-rewrite-min-size", "65536", "-fsync", "everysec")
	base := "http://" + p.addr
	send(http.DefaultClient, "PUT", base+"/collections/c", "")
	a := &acks{ids: map[string]int{}}
	stop := make(chan struct{})
	wg := writeUntilGone(base, 4, 100, a, stop)
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	_, metrics := send(http.DefaultClient, "GET", base+"/metrics", "")
	if !bytes.Contains(metrics, []byte(`daemon1_aof_rewrites_total{outcome="ok"}`)) || bytes.Contains(metrics, []byte(`daemon1_aof_rewrites_total{outcome="ok"} 0`)) {
		t.Fatalf("no compaction:\n%s", grepLines(metrics, "daemon1_aof"))
	}
	fi, _ := os.Stat(filepath.Join(data, store.FileName))
	p.stop()
	p = start(t, bin, nil, "-data-dir", data)
	have := stored(t, "http://"+p.addr)
	p.stop()
	t.Logf("%d ids rewritten; file %d bytes at the end; %s", len(a.ids), fi.Size(), grepLines(metrics, "daemon1_aof_rewrites_total"))
	if fi.Size() > 1<<20 {
		t.Fatalf("the file grew to %d bytes: compaction does not keep it bounded", fi.Size())
	}
	for id, n := range a.ids {
		if have[id] != n {
			t.Fatalf("%s holds n=%d after the restart, but n=%d was acknowledged last", id, have[id], n)
		}
	}
}

func grepLines(b []byte, prefix string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}

// A full disk (a 1 MiB tmpfs; root only): writes get 507 and never a 2xx
// for what was not stored, reads keep working, and after a restart every
// acknowledged write is there.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	data := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", data).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", data).Run() })
	bin := build(t)
	p := start(t, bin, nil, "-data-dir", data)
	base := "http://" + p.addr
	send(http.DefaultClient, "PUT", base+"/collections/c", "")
	pad := strings.Repeat("x", 2000)
	acked, full := []string{}, 0
	for i := 0; i < 2000 && full < 20; i++ {
		id := fmt.Sprintf("p%04d", i)
		body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"pad":%q}}`, pad)
		switch code, b := send(http.DefaultClient, "PUT", base+"/collections/c/items/"+id, body); code {
		case 201:
			acked = append(acked, id)
		case 507:
			full++
			if !bytes.Contains(b, []byte("/problems/insufficient-storage")) {
				t.Fatalf("507 without its problem type: %s", b)
			}
			if code, _ := send(http.DefaultClient, "GET", base+"/collections/c/items/"+id, ""); code != 404 {
				t.Fatalf("a write refused with 507 is visible: GET %d", code)
			}
		default:
			t.Fatalf("PUT %s: %d %s", id, code, b)
		}
	}
	if full == 0 || len(acked) == 0 {
		t.Fatalf("%d writes acknowledged, %d refused: the disk never filled", len(acked), full)
	}
	if code, _ := send(http.DefaultClient, "GET", base+"/collections/c/items/"+acked[0], ""); code != 200 {
		t.Fatalf("a read on a full disk: %d", code)
	}
	if code, b := send(http.DefaultClient, "GET", base+"/readyz", ""); code != 200 {
		t.Fatalf("a full disk is not a failed fsync: /readyz %d %s", code, b)
	}
	p.stop()
	p = start(t, bin, nil, "-data-dir", data)
	have := stored(t, "http://"+p.addr)
	p.stop()
	t.Logf("%d writes acknowledged before the disk filled, %d refused with 507", len(acked), full)
	for _, id := range acked {
		if _, ok := have[id]; !ok {
			t.Fatalf("acknowledged %s is missing after the restart", id)
		}
	}
}

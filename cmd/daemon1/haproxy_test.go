package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geometryos/daemon1/internal/testtool"
)

// haproxy starts HAProxy with deploy/haproxy.cfg in front of the fleet's
// nodes and returns its address once it routes to all three.
func haproxy(t *testing.T, f *testFleet) string {
	t.Helper()
	bin := testtool.Require(t, "haproxy", "haproxy")
	cfg, err := filepath.Abs("../../deploy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	front := freeAddr(t)
	cmd := exec.Command(bin, "-db", "-f", cfg)
	cmd.Env = append(os.Environ(), "D1_FRONT="+front, "D1_STATS="+freeAddr(t),
		"D1_NODE1="+f.nodes[0].http, "D1_NODE2="+f.nodes[1].http, "D1_NODE3="+f.nodes[2].http)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("haproxy's log:\n%s", out.String())
		}
	})
	// All three up: the first requests then spread over them.
	deadline := time.Now().Add(30 * time.Second)
	for up := 0; up < 20 && time.Now().Before(deadline); {
		if code, _, _ := call(http.DefaultClient, "GET", "http://"+front+"/collections/c", "", ""); code == 200 {
			up++
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // the checks' rise: 2 × 300 ms
	return front
}

// Behind HAProxy, a node drained (SIGTERM) or killed (SIGKILL) under a
// read load costs the clients no error: HAProxy stops routing to a node
// whose /readyz fails and sends a read that got no answer to another node.
func TestFleetBehindHAProxy(t *testing.T) {
	f := newFleet(t, build(t), nil)
	if code, body, _ := call(http.DefaultClient, "PUT", f.nodes[0].base()+"/collections/c", "", ""); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	for i := range 50 {
		if code, _, _ := call(http.DefaultClient, "PUT", f.nodes[0].base()+"/collections/c/items/p"+string(rune('a'+i%26))+string(rune('a'+i/26)), pointBody(i), ""); code != 201 {
			t.Fatalf("PUT: %d", code)
		}
	}
	front := haproxy(t, f)
	var reads, fails atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 20 * time.Second}
			paths := []string{"/collections/c/items?limit=20", "/collections/c/items/paa", "/collections/c"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code, body, _ := call(c, "GET", "http://"+front+paths[(r+i)%len(paths)], "", "")
				reads.Add(1)
				if code != 200 {
					if fails.Add(1) <= 5 {
						t.Errorf("a read through HAProxy: %d %s", code, body)
					}
				}
			}
		}()
	}
	time.Sleep(time.Second)
	// Drained: SIGTERM, then back.
	n := f.nodes[1]
	if log, err := n.p.stop(); err != nil {
		t.Fatalf("%s did not stop cleanly: %v\n%s", n.name, err, log)
	}
	time.Sleep(time.Second)
	f.start(n)
	f.waitReady(n)
	time.Sleep(time.Second)
	drained := reads.Load()
	// Killed: SIGKILL, then back.
	n = f.nodes[2]
	n.p.kill()
	time.Sleep(2 * time.Second)
	f.start(n)
	f.waitReady(n)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	t.Logf("%d reads through HAProxy (%d up to the drain's end), %d failed", reads.Load(), drained, fails.Load())
	if reads.Load() < 100 {
		t.Fatalf("only %d reads: the test proves nothing", reads.Load())
	}
	if fails.Load() > 0 {
		t.Fatalf("%d of %d reads failed", fails.Load(), reads.Load())
	}
}

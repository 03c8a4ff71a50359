package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geometryos/daemon1/fleet"
)

// fleetNode is one daemon1 of a test fleet, with the addresses and the
// directory it keeps over restarts.
type fleetNode struct {
	name, http, nats, cluster, data string
	p                               *proc
}

func (n *fleetNode) base() string { return "http://" + n.http }

// testFleet is three daemon1 processes, each with its embedded nats-server,
// on loopback.
type testFleet struct {
	t     *testing.T
	bin   string
	env   []string
	nodes []*fleetNode
}

func newFleet(t *testing.T, bin string, env []string) *testFleet {
	t.Helper()
	f := &testFleet{t: t, bin: bin, env: env}
	for i := range 3 {
		f.nodes = append(f.nodes, &fleetNode{name: fmt.Sprintf("n%d", i), data: t.TempDir()})
	}
	// A port freeAddr found free may be taken before a node binds it (by
	// another package's test, or as some connection's ephemeral port):
	// then start again on other ports.
	for attempt := 1; ; attempt++ {
		for _, n := range f.nodes {
			n.http, n.nats, n.cluster = freeAddr(t), freeAddr(t), freeAddr(t)
		}
		err := f.tryStart(f.nodes...)
		if err == nil {
			break
		}
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("the fleet did not start (attempt %d): %v; again, on other ports", attempt, err)
		for _, n := range f.nodes {
			if n.p != nil {
				n.p.cmd.Process.Kill()
				n.p.cmd.Wait()
				n.p = nil
			}
		}
	}
	for _, n := range f.nodes {
		f.waitReady(n)
	}
	return f
}

func (f *testFleet) args(n *fleetNode) []string {
	var routes []string
	for _, o := range f.nodes {
		if o != n {
			routes = append(routes, "nats://"+o.cluster)
		}
	}
	return []string{"-fleet-node", n.name, "-listen", n.http, "-nats-listen", n.nats, "-nats-cluster", n.cluster,
		"-nats-routes", strings.Join(routes, ","), "-data-dir", n.data, "-fleet-write-timeout", "10s"}
}

// start starts nodes at once: a new fleet's first node serves only once
// enough of the others are up to elect JetStream's leaders.
func (f *testFleet) start(nodes ...*fleetNode) {
	f.t.Helper()
	if err := f.tryStart(nodes...); err != nil {
		f.t.Fatal(err)
	}
}

// tryStart is start, returning the first node's failure to start.
func (f *testFleet) tryStart(nodes ...*fleetNode) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.p, errs[i] = spawn(f.t, []string{f.bin}, f.env, f.args(n)...)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// waitReady waits for the node's /readyz to say 200 (caught up).
func (f *testFleet) waitReady(n *fleetNode) time.Duration {
	f.t.Helper()
	start := time.Now()
	for time.Since(start) < 2*time.Minute {
		if code, _, _ := call(http.DefaultClient, "GET", n.base()+"/readyz", "", ""); code == 200 {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatalf("node %s not ready after 2 minutes:\n%s", n.name, n.p.log.String())
	return 0
}

// leader names the node leading the write log's stream.
func (f *testFleet) leader(via *fleetNode) string {
	f.t.Helper()
	for range 100 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		name, err := fleet.Leader(ctx, "nats://"+via.nats, "DAEMON1")
		cancel()
		if err == nil {
			return name
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.t.Fatal("the stream has no leader")
	return ""
}

// call makes one request; token, if not empty, is sent as Daemon1-Seq. A
// transport error is status 0.
func call(c *http.Client, method, u, body, token string) (int, []byte, http.Header) {
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/geo+json")
	}
	if token != "" {
		req.Header.Set("Daemon1-Seq", token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func pointBody(n int) string {
	return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%d.5,%d.25]},"properties":{"n":%d}}`, n%170, n%80, n)
}

// everything reads every feature of collection c on a node, after it has
// applied the write log up to token: id → the feature without its links
// (they name the node).
func everything(t *testing.T, base, token string) map[string]string {
	t.Helper()
	out := map[string]string{}
	walk(t, base, token, func(raw json.RawMessage) {
		var f struct{ ID string }
		json.Unmarshal(raw, &f)
		s := string(raw)
		if i := strings.Index(s, `,"links":`); i > 0 {
			s = s[:i]
		}
		out[f.ID] = s
	})
	return out
}

func TestFleet(t *testing.T) {
	f := newFleet(t, build(t), nil)
	if code, body, _ := call(http.DefaultClient, "PUT", f.nodes[0].base()+"/collections/c", "", ""); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	t.Run("ReadYourWritesOnEveryNode", func(t *testing.T) { readYourWrites(t, f) })
	t.Run("ConditionalWritesOneWinnerPerVersion", func(t *testing.T) { conditionalWrites(t, f) })
	t.Run("ErrorLogAcrossTheFleet", func(t *testing.T) { fleetErrorLog(t, f) })
	t.Run("BinaryProtocolOnAFleet", func(t *testing.T) { binaryOnAFleet(t, f) })
	t.Run("KillsLoseNoAcknowledgedWrite", func(t *testing.T) {
		acked := newAckLog()
		for round, wantLeader := range []bool{true, false} {
			leader := f.leader(f.nodes[0])
			var victim *fleetNode
			for _, n := range f.nodes {
				if (n.name == leader) == wantLeader {
					victim = n
					break
				}
			}
			role := "the stream's leader"
			if !wantLeader {
				role = "a follower; " + leader + " leads"
			}
			t.Logf("round %d: SIGKILL %s (%s)", round+1, victim.name, role)
			killRound(t, f, victim, acked)
		}
		if problems := compareNodes(t, f, acked); len(problems) > 0 {
			t.Fatalf("after the kills:\n%s", strings.Join(problems, "\n"))
		}
	})
}

// readYourWrites writes on one node and reads on the two others with the
// write's token: every read sees the write.
func readYourWrites(t *testing.T, f *testFleet) {
	const writes = 1500
	c := &http.Client{Timeout: 15 * time.Second}
	stale, reads, refused := 0, 0, 0
	for i := range writes {
		id := fmt.Sprintf("ryw-%d", i%25)
		code, body, h := call(c, "PUT", f.nodes[i%3].base()+"/collections/c/items/"+id, pointBody(i), "")
		if code != 200 && code != 201 {
			t.Fatalf("PUT on %s: %d %s", f.nodes[i%3].name, code, body)
		}
		token := h.Get("Daemon1-Seq")
		if token == "" {
			t.Fatal("a write answered without a Daemon1-Seq token")
		}
		for _, j := range []int{i + 1, i + 2} {
			code, body, _ := call(c, "GET", f.nodes[j%3].base()+"/collections/c/items/"+id, "", token)
			// A node that cannot catch up within the read's budget says so
			// (503 not-caught-up, Retry-After): a client retries; only an
			// answer with older data is stale.
			for try := 0; code == 503 && strings.Contains(string(body), "/problems/not-caught-up") && try < 50; try++ {
				refused++
				time.Sleep(20 * time.Millisecond)
				code, body, _ = call(c, "GET", f.nodes[j%3].base()+"/collections/c/items/"+id, "", token)
			}
			reads++
			var got struct{ Properties struct{ N int } }
			if code != 200 || json.Unmarshal(body, &got) != nil || got.Properties.N != i {
				stale++
				if stale < 5 {
					t.Errorf("read %d on %s after the write on %s (token %s): %d %s", i, f.nodes[j%3].name, f.nodes[i%3].name, token, code, body)
				}
			}
		}
	}
	t.Logf("%d cross-node reads with the write's token: %d stale, %d answered not-caught-up first and retried", reads, stale, refused)
	if stale > 0 {
		t.Fatalf("%d of %d reads were stale", stale, reads)
	}
}

// conditionalWrites has writers on every node replace one feature with
// If-Match, racing: each version is replaced by one writer at most, and
// the writes won are a chain.
func conditionalWrites(t *testing.T, f *testFleet) {
	base0 := f.nodes[0].base()
	code, _, h := call(http.DefaultClient, "PUT", base0+"/collections/c/items/race", pointBody(0), "")
	if code != 201 && code != 200 {
		t.Fatalf("PUT race: %d", code)
	}
	token := h.Get("Daemon1-Seq")
	var mu sync.Mutex
	wins := map[string]int{} // the ETag replaced → by how many writers
	won, lost := 0, 0
	var wg sync.WaitGroup
	for w := range 9 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 15 * time.Second}
			base := f.nodes[w%3].base()
			for i := range 30 {
				code, _, h := call(c, "GET", base+"/collections/c/items/race", "", token)
				if code != 200 {
					t.Errorf("GET: %d", code)
					return
				}
				etag := h.Get("ETag")
				req, _ := http.NewRequest("PUT", base+"/collections/c/items/race", strings.NewReader(pointBody(w*100+i)))
				req.Header.Set("Content-Type", "application/geo+json")
				req.Header.Set("If-Match", etag)
				resp, err := c.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				switch resp.StatusCode {
				case 200:
					wins[etag]++
					won++
				case 412:
					lost++
				default:
					t.Errorf("PUT If-Match: %d", resp.StatusCode)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for etag, n := range wins {
		if n != 1 {
			t.Errorf("version %s was replaced by %d writers", etag, n)
		}
	}
	t.Logf("270 conditional writes through 3 nodes: %d won, %d refused (412)", won, lost)
	if won == 0 || lost == 0 {
		t.Fatalf("won %d, lost %d: the writers did not race", won, lost)
	}
}

// ackLog records the writes answered 2xx, and when.
type ackLog struct {
	mu    sync.Mutex
	ids   map[string]bool
	last  atomic.Int64 // UnixNano of the latest ack
	token atomic.Uint64
}

func newAckLog() *ackLog { return &ackLog{ids: map[string]bool{}} }

func (a *ackLog) add(id, token string) {
	a.mu.Lock()
	a.ids[id] = true
	a.mu.Unlock()
	a.last.Store(time.Now().UnixNano())
	if v, err := strconv.ParseUint(token, 10, 64); err == nil {
		for {
			cur := a.token.Load()
			if v <= cur || a.token.CompareAndSwap(cur, v) {
				break
			}
		}
	}
}

// killRound runs 8 writers (each on its node, moving on to the next when
// one does not answer) and readers on the two other nodes, kills victim,
// waits for writes to resume, restarts it and waits for it to catch up.
func killRound(t *testing.T, f *testFleet, victim *fleetNode, acked *ackLog) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErrs atomic.Int64
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 15 * time.Second}
			node := w % 3
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("k-%s-%d-%d", victim.name, w, i)
				code, _, h := call(c, "PUT", f.nodes[node].base()+"/collections/c/items/"+id, pointBody(i), "")
				switch code {
				case 200, 201:
					acked.add(id, h.Get("Daemon1-Seq"))
				default: // gone, or the fleet could not take it: another node
					writeErrs.Add(1)
					node = (node + 1) % 3
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	var readFails, reads atomic.Int64
	readersStop := make(chan struct{})
	var rwg sync.WaitGroup
	for _, n := range f.nodes {
		if n == victim {
			continue
		}
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			c := &http.Client{Timeout: 15 * time.Second}
			for {
				select {
				case <-readersStop:
					return
				default:
				}
				code, body, _ := call(c, "GET", n.base()+"/collections/c/items?limit=5", "", "")
				reads.Add(1)
				if code != 200 {
					if readFails.Add(1) < 5 {
						t.Errorf("a read on %s, which was not killed: %d %s", n.name, code, body)
					}
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	time.Sleep(time.Second)
	victim.p.kill()
	killed := time.Now()
	for acked.last.Load() < killed.UnixNano() {
		if time.Since(killed) > time.Minute {
			t.Fatal("no write was acknowledged within a minute of the kill")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("writes resumed %s after the SIGKILL of %s", time.Duration(acked.last.Load()-killed.UnixNano()).Round(time.Millisecond), victim.name)
	time.Sleep(time.Second)
	restarted := time.Now()
	f.start(victim)
	f.waitReady(victim)
	t.Logf("%s restarted and caught up (ready) in %s", victim.name, time.Since(restarted).Round(time.Millisecond))
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	close(readersStop)
	rwg.Wait()
	t.Logf("%d writes acknowledged so far, %d refused or unanswered this round; %d reads on the other nodes, %d failed",
		len(acked.ids), writeErrs.Load(), reads.Load(), readFails.Load())
}

// compareNodes reads every node's whole collection once it has applied the
// last acknowledged write, and reports what differs or is missing.
func compareNodes(t *testing.T, f *testFleet, acked *ackLog) []string {
	token := strconv.FormatUint(acked.token.Load(), 10)
	var sets []map[string]string
	for _, n := range f.nodes {
		sets = append(sets, everything(t, n.base(), token))
	}
	var problems []string
	for i := 1; i < len(sets); i++ {
		if !maps.Equal(sets[0], sets[i]) {
			var differ []string
			for id, v := range sets[0] {
				if sets[i][id] != v {
					differ = append(differ, id)
				}
			}
			for id := range sets[i] {
				if _, ok := sets[0][id]; !ok {
					differ = append(differ, id)
				}
			}
			slices.Sort(differ)
			problems = append(problems, fmt.Sprintf("%s and %s differ: %d features vs %d; %d ids differ, e.g. %q",
				f.nodes[0].name, f.nodes[i].name, len(sets[0]), len(sets[i]), len(differ), differ[:min(5, len(differ))]))
		}
	}
	for i, set := range sets {
		missing := 0
		for id := range acked.ids {
			if _, ok := set[id]; !ok {
				missing++
			}
		}
		if missing > 0 {
			problems = append(problems, fmt.Sprintf("%s lacks %d of the %d acknowledged writes", f.nodes[i].name, missing, len(acked.ids)))
		}
	}
	if len(acked.ids) == 0 {
		problems = append(problems, "no write was acknowledged: the test proves nothing")
	}
	t.Logf("compared %d nodes holding %d features each; %d acknowledged writes", len(sets), len(sets[0]), len(acked.ids))
	return problems
}

// The negative control: nodes that publish their batches without the
// expected position diverge, and compareNodes says so.
func TestFleetTestCatchesDivergence(t *testing.T) {
	f := newFleet(t, build(t), []string{"DAEMON1_TEST_FLEET_NO_EXPECTATION=1"})
	if code, body, _ := call(http.DefaultClient, "PUT", f.nodes[0].base()+"/collections/c", "", ""); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	acked := newAckLog()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("d-%d-%d", w, i)
				if code, _, h := call(http.DefaultClient, "PUT", f.nodes[w%3].base()+"/collections/c/items/"+id, pointBody(i), ""); code == 201 {
					acked.add(id, h.Get("Daemon1-Seq"))
				}
			}
		}()
	}
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	// A diverged node may never reach the last token: read what it has.
	acked.token.Store(0)
	problems := compareNodes(t, f, acked)
	if len(problems) == 0 {
		t.Fatal("nodes publishing without the expected position did not diverge: the fleet test cannot fail")
	}
	t.Logf("as it should, the check failed: %s", strings.Join(problems, "; "))
}

// fleetErrorLog: an error on each node (a 404) is read back from any node
// with GET /admin/errors?fleet=1, naming its node.
func fleetErrorLog(t *testing.T, f *testFleet) {
	for _, n := range f.nodes {
		if code, _, _ := call(http.DefaultClient, "GET", n.base()+"/collections/c/items/no-such-"+n.name, "", ""); code != 404 {
			t.Fatalf("GET a missing feature on %s: %d", n.name, code)
		}
	}
	seen := map[string]bool{}
	for deadline := time.Now().Add(30 * time.Second); len(seen) < 3; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s, GET /admin/errors?fleet=1 shows the 404s of %v only", seen)
		}
		code, body, _ := call(http.DefaultClient, "GET", f.nodes[1].base()+"/admin/errors?fleet=1", "", "")
		if code != 200 {
			continue
		}
		var doc struct {
			Recent []struct{ Node, Kind string }
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		for _, e := range doc.Recent {
			if e.Kind == "not_found" { // the only 404s of this fleet
				seen[e.Node] = true
			}
		}
	}
}

package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/geometryos/daemon1/bench/loadgen"
	"github.com/geometryos/daemon1/fleet"
	"github.com/geometryos/daemon1/internal/benchkit"
)

// The fleet section: three daemon1 nodes (each with its embedded
// nats-server, R3 with sync always) and HAProxy with deploy/haproxy.cfg,
// all on this machine. On two cores this shows the fleet's overhead and
// its behaviour, not scale.

// fleetFacts are the fleet section's figures that are not load cells.
type fleetFacts struct {
	Points int `json:"points"`
	// Seconds from starting a stopped node to its /readyz 200: from its
	// snapshot (plus what it missed), and from the log's start.
	CatchUpSnapshot float64 `json:"catch_up_snapshot_s"`
	CatchUpLog      float64 `json:"catch_up_log_s"`
	// Writes through HAProxy while the stream's leader is SIGKILLed: the
	// longest time without an acknowledged write, and the answers meanwhile.
	LeaderKillGap    float64     `json:"leader_kill_gap_s"`
	LeaderKillStatus map[int]int `json:"leader_kill_statuses"`
	// Each node's resident memory with the data loaded (daemon1 and its
	// embedded nats-server share the process).
	NodeRSS []float64 `json:"node_rss_mb"`
	Notes   []string  `json:"notes,omitempty"`
}

// fleetNode is a node the suite started.
type fleetNode struct {
	name, http, nats, cluster, dir string
	cmd                            *exec.Cmd
}

// testbed is a fleet and HAProxy in front of it.
type testbed struct {
	bin     string
	nodes   []*fleetNode
	haproxy *exec.Cmd
	front   string
}

func freeAddrs(n int) ([]string, error) {
	var out []string
	for range n {
		a, err := benchkit.FreeAddr()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// startFleet starts three nodes at once (a new fleet needs a majority up to
// elect its leaders) and HAProxy, and waits until all are ready.
func startFleet(bin string) (*testbed, error) {
	tb := &testbed{bin: bin}
	addrs, err := freeAddrs(11)
	if err != nil {
		return nil, err
	}
	for i := range 3 {
		dir, err := os.MkdirTemp("", "daemon1-fleet-")
		if err != nil {
			return nil, err
		}
		tb.nodes = append(tb.nodes, &fleetNode{name: fmt.Sprintf("n%d", i+1), http: addrs[3*i], nats: addrs[3*i+1], cluster: addrs[3*i+2], dir: dir})
	}
	for _, n := range tb.nodes {
		if err := tb.startNode(n); err != nil {
			tb.stop()
			return nil, err
		}
	}
	for _, n := range tb.nodes {
		if err := benchkit.WaitReady(n.http); err != nil {
			tb.stop()
			return nil, err
		}
	}
	cfg, err := filepath.Abs("deploy/haproxy.cfg")
	if err != nil {
		return nil, err
	}
	tb.front = addrs[9]
	tb.haproxy = exec.Command("haproxy", "-db", "-f", cfg)
	tb.haproxy.Env = append(os.Environ(), "D1_FRONT="+tb.front, "D1_STATS="+addrs[10],
		"D1_NODE1="+tb.nodes[0].http, "D1_NODE2="+tb.nodes[1].http, "D1_NODE3="+tb.nodes[2].http)
	if err := tb.haproxy.Start(); err != nil {
		tb.stop()
		return nil, fmt.Errorf("haproxy (scripts/deps.sh haproxy:haproxy installs it): %w", err)
	}
	if err := benchkit.WaitReady(tb.front); err != nil {
		tb.stop()
		return nil, err
	}
	time.Sleep(time.Second) // every node's health check up
	return tb, nil
}

func (tb *testbed) startNode(n *fleetNode) error {
	var routes []string
	for _, o := range tb.nodes {
		if o != n {
			routes = append(routes, "nats://"+o.cluster)
		}
	}
	n.cmd = pin.ServerCmd(tb.bin, "-listen", n.http, "-fleet-node", n.name, "-nats-listen", n.nats, "-nats-cluster", n.cluster,
		"-nats-routes", strings.Join(routes, ","), "-data-dir", n.dir, "-log-dir", n.dir, "-report.interval", "0", "-loops", loops)
	return n.cmd.Start()
}

func (tb *testbed) stop() {
	if tb.haproxy != nil && tb.haproxy.Process != nil {
		benchkit.Stop(tb.haproxy)
	}
	for _, n := range tb.nodes {
		if n.cmd != nil && n.cmd.Process != nil {
			benchkit.Stop(n.cmd)
		}
		os.RemoveAll(n.dir)
	}
}

// leader names the node leading the write log's stream.
func (tb *testbed) leader() (*fleetNode, error) {
	var err error
	for _, via := range tb.nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var name string
		name, err = fleet.Leader(ctx, "nats://"+via.nats, "DAEMON1")
		cancel()
		for _, n := range tb.nodes {
			if err == nil && n.name == name {
				return n, nil
			}
		}
	}
	return nil, fmt.Errorf("the write log's stream has no leader: %v", err)
}

// runFleet measures the fleet section: PUT latency on a single node and in
// the fleet (directly and through HAProxy) in the same run, reads through
// HAProxy, catch-up times and the write gap of a leader kill.
func runFleet(p plan, bin string, rep *report) error {
	if _, err := exec.LookPath("haproxy"); err != nil {
		rep.FleetFacts.Notes = append(rep.FleetFacts.Notes, "skipped: haproxy is not installed (scripts/deps.sh haproxy:haproxy)")
		log.Print("fleet: haproxy is not installed: skipping the fleet section")
		return nil
	}
	points := p.fleetPoints
	single, err := startServer(bin, "gnet", points)
	if err != nil {
		return err
	}
	type cell struct {
		scenario string
		conns    int
	}
	var cells []cell
	for _, c := range p.fleetConns {
		cells = append(cells, cell{"put", c})
	}
	cells = append(cells, cell{"get", 50})
	for _, c := range cells {
		row, err := single.measure(p, c.scenario, c.conns, 0, 1, 0)
		if err != nil {
			single.stop()
			return err
		}
		row.Engine = "single node"
		rep.Fleet = append(rep.Fleet, row)
	}
	single.stop()

	tb, err := startFleet(bin)
	if err != nil {
		return err
	}
	defer tb.stop()
	if err := loadgen.LoadPoints("http://"+tb.front, points, loadgen.DefaultArea, 42); err != nil {
		return err
	}
	node := &server{engine: "fleet node", addr: tb.nodes[0].http, cmd: tb.nodes[0].cmd, points: points}
	front := &server{engine: "fleet via HAProxy", addr: tb.front, cmd: tb.nodes[0].cmd, points: points}
	for _, c := range cells {
		for _, s := range []*server{node, front} {
			row, err := s.measure(p, c.scenario, c.conns, 0, 1, 0)
			if err != nil {
				return err
			}
			rep.Fleet = append(rep.Fleet, row)
		}
	}
	for _, n := range tb.nodes {
		rss, _ := benchkit.RSS(n.cmd.Process.Pid)
		rep.FleetFacts.NodeRSS = append(rep.FleetFacts.NodeRSS, float64(rss)/(1<<20))
	}
	rep.FleetFacts.Points = points
	if err := catchUp(tb, &rep.FleetFacts); err != nil {
		return err
	}
	return leaderKill(tb, &rep.FleetFacts)
}

// catchUp times a stopped node's return: from its snapshot, then from the
// log's start.
func catchUp(tb *testbed, f *fleetFacts) error {
	n := tb.nodes[2]
	for i, fromSnapshot := range []bool{true, false} {
		benchkit.Stop(n.cmd)
		if !fromSnapshot {
			os.Remove(filepath.Join(n.dir, "daemon1.snapshot"))
		}
		start := time.Now()
		if err := tb.startNode(n); err != nil {
			return err
		}
		if err := benchkit.WaitReady(n.http); err != nil {
			return err
		}
		took := time.Since(start).Seconds()
		if i == 0 {
			f.CatchUpSnapshot = took
		} else {
			f.CatchUpLog = took
		}
		log.Printf("fleet: %s ready %.2f s after its start (snapshot: %v)", n.name, took, fromSnapshot)
	}
	return nil
}

// leaderKill writes through HAProxy with 8 writers, SIGKILLs the stream's
// leader, and measures the longest time without an acknowledged write.
func leaderKill(tb *testbed, f *fleetFacts) error {
	victim, err := tb.leader()
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var acks []time.Time
	f.LeaderKillStatus = map[int]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 30 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%d.5,%d.5]},"properties":{"w":%d}}`, i%170, w, w)
				req, _ := http.NewRequest("PUT", fmt.Sprintf("http://%s/collections/pts/items/kill-%d-%d", tb.front, w, i), strings.NewReader(body))
				req.Header.Set("Content-Type", "application/geo+json")
				resp, err := c.Do(req)
				code := 0
				if err == nil {
					code = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				if code == 200 || code == 201 {
					acks = append(acks, time.Now())
				} else {
					f.LeaderKillStatus[code]++
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(2 * time.Second)
	killed := time.Now()
	victim.cmd.Process.Kill()
	victim.cmd.Wait()
	log.Printf("fleet: SIGKILL %s, the stream's leader", victim.name)
	for {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		resumed := len(acks) > 0 && acks[len(acks)-1].After(killed) && time.Since(acks[len(acks)-1]) < 50*time.Millisecond
		mu.Unlock()
		if resumed || time.Since(killed) > time.Minute {
			break
		}
	}
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	sort.Slice(acks, func(i, j int) bool { return acks[i].Before(acks[j]) })
	for i := 1; i < len(acks); i++ {
		if acks[i].After(killed) {
			if gap := acks[i].Sub(acks[i-1]).Seconds(); gap > f.LeaderKillGap {
				f.LeaderKillGap = gap
			}
		}
	}
	log.Printf("fleet: the longest time without an acknowledged write after the kill: %.2f s", f.LeaderKillGap)
	// Back, for the stop that follows.
	if err := tb.startNode(victim); err != nil {
		return err
	}
	return benchkit.WaitReady(victim.http)
}

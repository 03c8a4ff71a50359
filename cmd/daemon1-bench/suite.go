package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/geometryos/daemon1/bench/loadgen"
	"github.com/geometryos/daemon1/internal/benchkit"
)

// plan is what a suite measures.
type plan struct {
	duration, warmup time.Duration
	engineRounds     int        // rounds of the engine comparison (GET /healthz)
	points           []int      // data sets for the scenario table
	scenarios        []string   // on both engines, 50 connections, closed loop
	headCells        []headCell // the headline: open loops, pinned and shared (headline.go)
	headLoads        []float64  // their loads, fractions of the closed loop's maximum
	headConns        int        // the headline's connections; 50
	probe            bool       // ask /healthz at probeRate alongside each headline cell
	headRepeats      int        // runs of the last load
	coldStarts       int        // restarts on the largest data set, timed to /readyz
	conns            []int      // the connection curve (get, gnet)
	idleBusy         [2]int
	sizes            []int // the data-size curve (get and nearby, gnet)
	putConns         []int // PUT (-fsync always) against connections, gnet
	fleetPoints      int   // the fleet section's data set
	fleetConns       []int // its PUT cells
	binPoints        int   // the binary section's data set (binary.go); 0: none
}

var plans = map[string]plan{
	"quick": {duration: 3 * time.Second, warmup: time.Second, engineRounds: 1, points: []int{100_000},
		scenarios: []string{"healthz", "get", "bbox", "bbox-filter", "nearby", "put"},
		headCells: []headCell{{"get", 1}, {"put", 16}}, headLoads: []float64{0.8}, headRepeats: 1, coldStarts: 1,
		conns: []int{1, 16, 256}, putConns: []int{1, 64},
		fleetPoints: 100_000, fleetConns: []int{1, 16}},
	"full": {duration: 5 * time.Second, warmup: time.Second, engineRounds: 3, points: []int{100_000, 1_000_000},
		scenarios: []string{"healthz", "get", "bbox", "bbox-filter", "nearby", "within", "put", "bulk"},
		headCells: []headCell{{"get", 1}, {"get", 16}, {"nearby", 1}, {"within", 1}, {"put", 1}, {"put", 16}},
		headLoads: []float64{0.5, 0.8}, headRepeats: 3, coldStarts: 3,
		conns: []int{1, 16, 256, 4096}, idleBusy: [2]int{10000, 256},
		sizes: []int{10_000, 100_000, 1_000_000}, putConns: []int{1, 16, 64, 256},
		fleetPoints: 1_000_000, fleetConns: []int{1, 16, 64}, binPoints: 100_000},
	// The scenario table alone for the filtered listing beside bbox.
	"filter": {duration: 5 * time.Second, warmup: time.Second, points: []int{100_000, 1_000_000}, scenarios: []string{"bbox", "bbox-filter"}},
	// The binary protocol's section alone.
	"binary": {duration: 3 * time.Second, warmup: time.Second, binPoints: 100_000},
	// The budget under genuine overload: open loops at 80 % and 150 % of
	// the closed loop's maximum, refused, cut and late counted.
	"overload": {duration: 3 * time.Second, warmup: time.Second, points: []int{100_000},
		headCells: []headCell{{"get", 1}, {"nearby", 1}, {"put", 16}}, headLoads: []float64{0.8, 1.5}, headRepeats: 1, probe: true},
	// Two clients looping a nearby search whose filter matches nothing
	// over 1M points, /healthz asked alongside on the same event loop.
	"nomatch": {duration: 5 * time.Second, warmup: time.Second, points: []int{1_000_000},
		headCells: []headCell{{"nearby-none", 1}}, headConns: 2, probe: true},
	// The fleet section alone.
	"fleet": {duration: 5 * time.Second, warmup: time.Second, fleetPoints: 1_000_000, fleetConns: []int{1, 16, 64}},
}

// server is a daemon1 the suite started, with its data loaded.
type server struct {
	engine string
	addr   string
	dir    string
	cmd    *exec.Cmd
	points int
	again  func() *exec.Cmd // the same server's command, to start it again on its data
}

// startServer starts daemon1 on engine ("gnet", "fasthttp") or, for
// "raw gnet", the raw responder rawBin, and loads points (if any); placed
// as -server-cpus says.
func startServer(bin, engine string, points int) (*server, error) {
	return startServerPinned(bin, engine, points, pin, loops)
}

// startServerPinned is startServer placed by pin, with loops event loops.
func startServerPinned(bin, engine string, points int, pin benchkit.Pinning, loops string) (*server, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "daemon1-bench-")
	if err != nil {
		return nil, err
	}
	again := func() *exec.Cmd {
		if engine == "raw gnet" {
			return pin.ServerCmd(rawBin, "-listen", addr, "-loops", loops)
		}
		// Every connection of the generator comes from one loopback address:
		// the per-address cap (half the descriptors) would close the
		// 10,000-idle cell's connections.
		return pin.ServerCmd(bin, "-listen", addr, "-engine", engine, "-data-dir", dir, "-log-dir", dir,
			"-report.interval", "0", "-fsync", "always", "-loops", loops, "-max-conns-per-ip", "1000000")
	}
	cmd := again()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{engine: engine, addr: addr, dir: dir, cmd: cmd, points: points, again: again}
	wait := benchkit.WaitReady
	if engine == "raw gnet" {
		wait = benchkit.WaitListening
	}
	if err := wait(addr); err != nil {
		s.stop()
		return nil, err
	}
	if points == 0 {
		return s, nil
	}
	if err := loadgen.LoadPoints("http://"+addr, points, loadgen.DefaultArea, 42); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// fsyncs reads daemon1's count of fsyncs from /metrics (0 if none).
func (s *server) fsyncs() float64 { return s.metric("daemon1_aof_fsync_seconds_count") }

// metric reads one unlabelled series of daemon1's /metrics (0 if none).
func (s *server) metric(name string) float64 { return s.metrics(name)[0] }

// metrics reads daemon1's /metrics and returns, for each name, the value
// of its unlabelled series, or the sum of its labelled ones (0 if none).
func (s *server) metrics(names ...string) []float64 {
	sums := make([]float64, len(names))
	if s.engine == "raw gnet" {
		return sums
	}
	resp, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		return sums
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		for i, name := range names {
			rest, ok := strings.CutPrefix(line, name)
			if !ok || rest == "" || rest[0] != ' ' && rest[0] != '{' {
				continue
			}
			if j := strings.LastIndexByte(rest, ' '); j >= 0 {
				n, _ := strconv.ParseFloat(rest[j+1:], 64)
				sums[i] += n
			}
		}
	}
	return sums
}

// outcomes are the families of the budget model's outcomes (Row.Refused,
// Cut, Late).
var outcomes = []string{"daemon1_requests_refused_total", "daemon1_pages_cut_total", "daemon1_budget_overruns_total"}

func (s *server) stop() {
	benchkit.Stop(s.cmd)
	os.RemoveAll(s.dir)
}

// measure warms up, then runs one cell in this process, reading the
// server's CPU and RSS around it.
func (s *server) measure(p plan, scenario string, conns, idle, depth int, rate float64) (Row, error) {
	sc, err := s.warmUp(p, scenario, conns, depth)
	if err != nil {
		return Row{}, err
	}
	cfg := loadgen.Config{Addr: s.addr, Conns: conns, Idle: idle, Depth: depth, Duration: p.duration, Rate: rate,
		Scenario: sc, Seed: 11}
	if isTerminal(os.Stderr) {
		cfg.Progress = os.Stderr
	}
	return s.timed(scenario, func() (Row, error) {
		res, err := loadgen.Run(context.Background(), cfg)
		if err != nil {
			return Row{}, err
		}
		return rowOf(scenario, s.engine, cfg, s.points, res), nil
	})
}

// warmUp loads the server for the plan's warm-up (in this process) before
// a measured cell, and returns the cell's scenario.
func (s *server) warmUp(p plan, scenario string, conns, depth int) (loadgen.Scenario, error) {
	sc, err := loadgen.NewScenario(scenario, s.points, loadgen.DefaultArea)
	if err != nil {
		return nil, err
	}
	cfg := loadgen.Config{Addr: s.addr, Conns: conns, Depth: depth, Duration: p.warmup, Scenario: sc, Seed: 7}
	if _, err := loadgen.Run(context.Background(), cfg); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	return sc, nil
}

// timed runs one measured cell, reading the server's CPU, RSS and fsyncs
// around it.
func (s *server) timed(scenario string, run func() (Row, error)) (Row, error) {
	pid := s.cmd.Process.Pid
	cpu0, _ := benchkit.CPUTime(pid)
	rss0, _ := benchkit.RSS(pid)
	syncs0 := s.fsyncs()
	out0 := s.metrics(outcomes...)
	row, err := run()
	if err != nil {
		return Row{}, err
	}
	out1 := s.metrics(outcomes...)
	row.Refused, row.Cut, row.Late = int64(out1[0]-out0[0]), int64(out1[1]-out0[1]), int64(out1[2]-out0[2])
	cpu1, _ := benchkit.CPUTime(pid)
	rss1, _ := benchkit.RSS(pid)
	row.Engine = s.engine
	if n := s.fsyncs() - syncs0; (scenario == "put" || scenario == "bin-put") && n > 0 {
		row.WritesPerFsync = float64(row.Requests-row.Non2xx) / n
	}
	if row.Requests > 0 {
		row.CPUMicros = float64((cpu1 - cpu0).Microseconds()) / float64(row.Requests)
	}
	row.RSSBefore, row.RSSAfter = float64(rss0)/(1<<20), float64(rss1)/(1<<20)
	log.Print(row.String())
	return row, nil
}

// runSuite runs a plan and writes its report.
func runSuite(name, bin, out string) error {
	p, ok := plans[name]
	if !ok {
		return fmt.Errorf("-suite %q: want quick, full, overload, nomatch, binary, filter or fleet", name)
	}
	raiseFileLimit()
	rep := &report{Suite: name, Started: time.Now().UTC(), Machine: machine()}
	// The suites of one section each.
	sections := map[string]func(plan, string, *report) error{
		"fleet": runFleet, "binary": runBinary, "filter": runTable, "overload": runHeadline, "nomatch": runHeadline}
	if run, ok := sections[name]; ok {
		if err := run(p, bin, rep); err != nil {
			return err
		}
		rep.Finished = time.Now().UTC()
		return rep.write(out)
	}
	if err := runHeadline(p, bin, rep); err != nil {
		return err
	}
	if err := runEngines(p, bin, rep); err != nil {
		return err
	}
	if err := runTable(p, bin, rep); err != nil {
		return err
	}
	s, err := startServer(bin, "gnet", p.points[0])
	if err != nil {
		return err
	}
	defer s.stop()
	// add measures one cell on s (gnet) and appends it to dst.
	add := func(dst *[]Row, scenario string, conns, idle int, rate float64) error {
		row, err := s.measure(p, scenario, conns, idle, 1, rate)
		*dst = append(*dst, row)
		return err
	}
	for _, c := range p.conns {
		if err := add(&rep.Conns, "get", c, 0, 0); err != nil {
			return err
		}
	}
	if p.idleBusy[0] > 0 {
		if err := add(&rep.Conns, "get", p.idleBusy[1], p.idleBusy[0], 0); err != nil {
			return err
		}
	}
	for _, c := range p.putConns {
		if err := add(&rep.Puts, "put", c, 0, 0); err != nil {
			return err
		}
	}
	for _, size := range p.sizes {
		sz, err := startServer(bin, "gnet", size)
		if err != nil {
			return err
		}
		for _, sc := range []string{"get", "nearby"} {
			row, err := sz.measure(p, sc, 50, 0, 1, 0)
			if err != nil {
				sz.stop()
				return err
			}
			rep.Sizes = append(rep.Sizes, row)
		}
		sz.stop()
	}
	if p.binPoints > 0 {
		if err := runBinary(p, bin, rep); err != nil {
			return fmt.Errorf("binary: %w", err)
		}
	}
	if err := runFleet(p, bin, rep); err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	rep.Finished = time.Now().UTC()
	return rep.write(out)
}

// runTable measures each scenario on each engine and data set (50
// connections, closed loop), and times cold starts on the largest.
func runTable(p plan, bin string, rep *report) error {
	for _, points := range p.points {
		for _, engine := range []string{"gnet", "fasthttp"} {
			s, err := startServer(bin, engine, points)
			if err != nil {
				return err
			}
			for _, sc := range p.scenarios {
				row, err := s.measure(p, sc, 50, 0, 1, 0)
				if err != nil {
					s.stop()
					return err
				}
				rep.Table = append(rep.Table, row)
			}
			if engine == "gnet" && points == slices.Max(p.points) && p.coldStarts > 0 {
				if err := s.coldStarts(p.coldStarts, &rep.Cold); err != nil {
					s.stop()
					return fmt.Errorf("cold start: %w", err)
				}
			}
			s.stop()
		}
	}
	return nil
}

// raiseFileLimit lets the suite (and the daemons it starts) hold 10,000
// idle connections.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

// engineCells are the engine comparison's scenarios: GET /healthz.
var engineCells = []struct{ conns, depth int }{{64, 1}, {256, 1}, {256, 16}}

// runEngines compares daemon1's engine with fasthttp.Server and the raw
// gnet responder on GET /healthz, the three taking turns within each round
// (who goes first rotates), so that a ratio pairs figures taken under the
// same background load.
func runEngines(p plan, bin string, rep *report) error {
	engines := []string{"gnet", "fasthttp", "raw gnet"}
	for r := 0; r < p.engineRounds; r++ {
		for i := range engines {
			s, err := startServer(bin, engines[(i+r)%len(engines)], 0)
			if err != nil {
				return err
			}
			for _, cell := range engineCells {
				row, err := s.measure(p, "healthz", cell.conns, 0, cell.depth, 0)
				if err != nil {
					s.stop()
					return err
				}
				row.Round = r
				rep.Engine = append(rep.Engine, row)
			}
			s.stop()
		}
	}
	return nil
}

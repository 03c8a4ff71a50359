package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/geometryos/daemon1/bench/loadgen"
	"github.com/geometryos/daemon1/internal/benchkit"
)

// plan is what a suite measures.
type plan struct {
	duration, warmup time.Duration
	points           []int    // data sets for the scenario table
	scenarios        []string // on both engines, 50 connections, closed loop
	openLoad         []float64
	conns            []int // the connection curve (get, gnet)
	idleBusy         [2]int
	sizes            []int // the data-size curve (get and nearby, gnet)
}

var plans = map[string]plan{
	"quick": {duration: 3 * time.Second, warmup: time.Second, points: []int{100_000},
		scenarios: []string{"healthz", "get", "bbox", "nearby", "put"},
		openLoad:  []float64{0.5, 0.8, 0.95}, conns: []int{1, 16, 256}},
	"full": {duration: 5 * time.Second, warmup: time.Second, points: []int{100_000, 1_000_000},
		scenarios: []string{"healthz", "get", "bbox", "nearby", "within", "put"},
		openLoad:  []float64{0.5, 0.8, 0.95}, conns: []int{1, 16, 256, 4096}, idleBusy: [2]int{10000, 256},
		sizes: []int{10_000, 100_000, 1_000_000}},
}

// server is a daemon1 the suite started, with its data loaded.
type server struct {
	engine string
	addr   string
	dir    string
	cmd    *exec.Cmd
	points int
}

func startServer(bin, engine string, points int) (*server, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "daemon1-bench-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-listen", addr, "-engine", engine, "-data-dir", dir, "-log-dir", dir,
		"-report.interval", "0", "-fsync", "always")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{engine: engine, addr: addr, dir: dir, cmd: cmd, points: points}
	if err := benchkit.WaitReady(addr); err != nil {
		s.stop()
		return nil, err
	}
	if err := loadgen.LoadPoints("http://"+addr, points, loadgen.DefaultArea, 42); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) stop() {
	benchkit.Stop(s.cmd)
	os.RemoveAll(s.dir)
}

// measure warms up, then runs one cell, reading the server's CPU and RSS
// around it.
func (s *server) measure(p plan, scenario string, conns, idle int, rate float64) (Row, error) {
	sc, err := loadgen.NewScenario(scenario, s.points, loadgen.DefaultArea)
	if err != nil {
		return Row{}, err
	}
	cfg := loadgen.Config{Addr: s.addr, Conns: conns, Duration: p.warmup, Scenario: sc, Seed: 7}
	if _, err := loadgen.Run(context.Background(), cfg); err != nil {
		return Row{}, fmt.Errorf("warm-up: %w", err)
	}
	cfg.Duration, cfg.Idle, cfg.Rate, cfg.Seed = p.duration, idle, rate, 11
	if isTerminal(os.Stderr) {
		cfg.Progress = os.Stderr
	}
	pid := s.cmd.Process.Pid
	cpu0, _ := benchkit.CPUTime(pid)
	rss0, _ := benchkit.RSS(pid)
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		return Row{}, err
	}
	cpu1, _ := benchkit.CPUTime(pid)
	rss1, _ := benchkit.RSS(pid)
	row := rowOf(scenario, s.engine, cfg, s.points, res)
	if res.Requests > 0 {
		row.CPUMicros = float64((cpu1 - cpu0).Microseconds()) / float64(res.Requests)
	}
	row.RSSBefore, row.RSSAfter = float64(rss0)/(1<<20), float64(rss1)/(1<<20)
	log.Print(row.String())
	return row, nil
}

// runSuite runs a plan and writes its report.
func runSuite(name, bin, out string) error {
	p, ok := plans[name]
	if !ok {
		return fmt.Errorf("-suite %q: want quick or full", name)
	}
	raiseFileLimit()
	rep := &report{Suite: name, Started: time.Now().UTC(), Machine: machine()}
	for _, points := range p.points {
		for _, engine := range []string{"gnet", "fasthttp"} {
			s, err := startServer(bin, engine, points)
			if err != nil {
				return err
			}
			for _, sc := range p.scenarios {
				row, err := s.measure(p, sc, 50, 0, 0)
				if err != nil {
					s.stop()
					return err
				}
				rep.Table = append(rep.Table, row)
			}
			s.stop()
		}
	}
	s, err := startServer(bin, "gnet", p.points[0])
	if err != nil {
		return err
	}
	defer s.stop()
	closed := rep.find("get", "gnet", p.points[0])
	for _, load := range p.openLoad {
		row, err := s.measure(p, "get", 50, 0, load*closed.RPS)
		if err != nil {
			return err
		}
		rep.Open = append(rep.Open, row)
	}
	for _, c := range p.conns {
		row, err := s.measure(p, "get", c, 0, 0)
		if err != nil {
			return err
		}
		rep.Conns = append(rep.Conns, row)
	}
	if p.idleBusy[0] > 0 {
		row, err := s.measure(p, "get", p.idleBusy[1], p.idleBusy[0], 0)
		if err != nil {
			return err
		}
		rep.Conns = append(rep.Conns, row)
	}
	for _, size := range p.sizes {
		sz, err := startServer(bin, "gnet", size)
		if err != nil {
			return err
		}
		for _, sc := range []string{"get", "nearby"} {
			row, err := sz.measure(p, sc, 50, 0, 0)
			if err != nil {
				sz.stop()
				return err
			}
			rep.Sizes = append(rep.Sizes, row)
		}
		sz.stop()
	}
	rep.Finished = time.Now().UTC()
	return rep.write(out)
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

package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/geometryos/daemon1/bench/loadgen"
	"github.com/geometryos/daemon1/internal/benchkit"
)

// runEngine starts daemon1 on engine, loads the points, runs every
// scenario, and stops it. It returns the results by scenario and the RSS
// after loading.
func runEngine(c *config, engine string, scripts []script) (map[string]benchkit.Result, int64, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return nil, 0, err
	}
	logs, err := os.MkdirTemp("", "apibench-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(logs)
	cmd := c.pin.ServerCmd(c.daemon, "-listen", addr, "-engine", engine, "-loops", c.loops,
		"-log-dir", logs, "-data-dir", logs, "-fsync", c.fsync, "-report.interval", "0")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	defer benchkit.Stop(cmd)
	if err := benchkit.WaitReady(addr); err != nil {
		return nil, 0, err
	}
	start := time.Now()
	if err := load(c, "http://"+addr); err != nil {
		return nil, 0, fmt.Errorf("loading: %w", err)
	}
	rss, err := benchkit.RSS(cmd.Process.Pid)
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(os.Stderr, "%s: %d points loaded in %s, RSS %.0f MB\n", engine, c.points, time.Since(start).Round(time.Millisecond), float64(rss)/(1<<20))
	out := map[string]benchkit.Result{}
	for _, s := range scripts {
		if _, err := wrk(c, addr, s, c.warmup); err != nil {
			return nil, 0, fmt.Errorf("%s warm-up: %w", s.name, err)
		}
		before, err := benchkit.CPUTime(cmd.Process.Pid)
		if err != nil {
			return nil, 0, err
		}
		res, err := wrk(c, addr, s, c.duration)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", s.name, err)
		}
		after, err := benchkit.CPUTime(cmd.Process.Pid)
		if err != nil {
			return nil, 0, err
		}
		if res.Requests > 0 {
			res.CPUPerReq = float64((after - before).Microseconds()) / float64(res.Requests)
		}
		fmt.Fprintf(os.Stderr, "  %-22s %-8s %9.0f req/s  p99 %6.2f ms  p99.9 %6.2f ms  %5.1f µs CPU/req  %d errors\n",
			s.name, engine, res.RPS, res.P99, res.P999, res.CPUPerReq, res.Errors)
		out[s.name] = res
	}
	return out, rss, nil
}

func wrk(c *config, addr string, s script, d time.Duration) (benchkit.Result, error) {
	secs := max(1, int(d.Round(time.Second).Seconds()))
	return benchkit.RunWrk(c.pin, s.name, "-t", strconv.Itoa(c.threads), "-c", strconv.Itoa(c.conns),
		"-d", strconv.Itoa(secs)+"s", "--latency", "--timeout", "5s", "-s", s.file, "http://"+addr)
}

// load creates the collection and bulk-inserts the points (seeded: every
// run has the same data).
func load(c *config, base string) error {
	return loadgen.LoadPoints(base, c.points, loadgen.Area{Lon: c.minLon, Lat: c.minLat, W: c.w}, 42)
}

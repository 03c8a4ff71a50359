package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/geometryos/daemon1/internal/benchkit"
)

// putScale runs the PUT scenario at each connection count on a fresh
// daemon (gnet, the configured -fsync) and reports how throughput, latency
// and the group commit's batches scale.
func putScale(c *config, scripts []script) (string, error) {
	var put script
	for _, s := range scripts {
		if s.name == "PUT point" {
			put = s
		}
	}
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# PUT against connections, -fsync %s, %s\n\n", c.fsync, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, %s, %s. %d points loaded, then PUT of random existing ids (wrk, %d threads, keep-alive), "+
		"%d rounds of %s per row, medians; writes per fsync from the daemon's metrics. %s\n\n",
		host, runtime.NumCPU(), benchkit.CPUModel(), runtime.Version(), c.points, c.threads, c.rounds, c.duration, c.pin)
	b.WriteString("| connections | req/s | p50 ms | p99 ms | p99.9 ms | max ms | writes per fsync | fsync ms (mean) | errors |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range strings.Split(c.putScale, ",") {
		conns, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return "", fmt.Errorf("-put-scale %q: %v", c.putScale, err)
		}
		cc := *c
		cc.conns = conns
		cc.threads = min(c.threads, conns)
		var rs []benchkit.Result
		var perSync, syncMs []float64
		for r := 0; r < c.rounds; r++ {
			res, m, err := putRun(&cc, put)
			if err != nil {
				return "", err
			}
			rs = append(rs, res)
			if m.syncs > 0 {
				perSync = append(perSync, m.writes/m.syncs)
				syncMs = append(syncMs, m.syncSeconds/m.syncs*1000)
			}
		}
		var errs int64
		for _, r := range rs {
			errs += r.Errors
		}
		fmt.Fprintf(&b, "| %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f | %d |\n", conns,
			benchkit.Median(rs, benchkit.RPS), benchkit.Median(rs, benchkit.P50), benchkit.Median(rs, benchkit.P99),
			benchkit.Median(rs, benchkit.P999), benchkit.Median(rs, benchkit.Max), medianOf(perSync), medianOf(syncMs), errs)
	}
	return b.String(), nil
}

// daemonFigures are counters read from /metrics around a run.
type daemonFigures struct{ writes, syncs, syncSeconds float64 }

func putRun(c *config, put script) (benchkit.Result, daemonFigures, error) {
	var f daemonFigures
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return benchkit.Result{}, f, err
	}
	dir, err := os.MkdirTemp("", "apibench-put-")
	if err != nil {
		return benchkit.Result{}, f, err
	}
	defer os.RemoveAll(dir)
	cmd := c.pin.ServerCmd(c.daemon, "-listen", addr, "-loops", c.loops, "-log-dir", dir, "-data-dir", dir,
		"-fsync", c.fsync, "-report.interval", "0")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return benchkit.Result{}, f, err
	}
	defer benchkit.Stop(cmd)
	if err := benchkit.WaitReady(addr); err != nil {
		return benchkit.Result{}, f, err
	}
	if err := load(c, "http://"+addr); err != nil {
		return benchkit.Result{}, f, err
	}
	if _, err := wrk(c, addr, put, c.warmup); err != nil {
		return benchkit.Result{}, f, err
	}
	before, err := scrape("http://" + addr)
	if err != nil {
		return benchkit.Result{}, f, err
	}
	res, err := wrk(c, addr, put, c.duration)
	if err != nil {
		return benchkit.Result{}, f, err
	}
	after, err := scrape("http://" + addr)
	if err != nil {
		return benchkit.Result{}, f, err
	}
	f = daemonFigures{writes: float64(res.Requests), syncs: after.syncs - before.syncs, syncSeconds: after.syncSeconds - before.syncSeconds}
	fmt.Fprintf(os.Stderr, "  PUT %4d conns %9.0f req/s  p99 %6.2f ms  %5.1f writes/fsync\n", c.conns, res.RPS, res.P99, f.writes/max(f.syncs, 1))
	return res, f, nil
}

// scrape reads the fsync histogram's count and sum from /metrics.
func scrape(base string) (daemonFigures, error) {
	var f daemonFigures
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return f, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), " ")
		v, _ := strconv.ParseFloat(value, 64)
		switch name {
		case "daemon1_aof_fsync_seconds_count":
			f.syncs = v
		case "daemon1_aof_fsync_seconds_sum":
			f.syncSeconds = v
		}
	}
	return f, sc.Err()
}

func medianOf(v []float64) float64 {
	rs := make([]benchkit.Result, len(v))
	for i, x := range v {
		rs[i].RPS = x
	}
	if len(rs) == 0 {
		return 0
	}
	return benchkit.Median(rs, benchkit.RPS)
}

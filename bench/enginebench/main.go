// Command enginebench measures daemon1's engine against its baselines with
// wrk on loopback: daemon1 on gnet, the same binary with -engine=fasthttp
// (the baseline every ratio is taken against) and rawgnet (the ceiling),
// alternating servers within each round, several rounds, medians reported.
//
// Besides wrk's req/s and latency it reads each server's CPU time from
// /proc/PID/stat over the measured run and divides it by the requests served:
// on shared cores that figure is steadier than req/s.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/geometryos/daemon1/internal/benchkit"
)

// pin places the servers and wrk on CPUs.
var pin benchkit.Pinning

type server struct {
	name string
	args func(addr string) []string
	bin  string
}

type scenario struct {
	name  string
	conns int
	depth int // pipelined requests per wrk request; 1 is none
}

type result = benchkit.Result

func main() {
	daemon := flag.String("daemon", "bin/daemon1", "daemon1 binary")
	raw := flag.String("raw", "bin/rawgnet", "rawgnet binary")
	rounds := flag.Int("rounds", 3, "rounds; each runs every scenario on every server")
	duration := flag.Duration("duration", 5*time.Second, "measured time of one wrk run")
	warmup := flag.Duration("warmup", time.Second, "unmeasured wrk run before each measured one")
	threads := flag.Int("threads", 1, "wrk threads")
	serverCPUs := flag.String("server-cpus", "0", "CPU list the servers are pinned to (taskset); empty: not pinned")
	clientCPUs := flag.String("client-cpus", "1", "CPU list wrk is pinned to; empty: not pinned")
	out := flag.String("out", "", "write the markdown report here too")
	flag.StringVar(&benchkit.RawDir, "raw-dir", "", "keep every wrk output in this directory")
	flag.Parse()

	loops := strconv.Itoa(benchkit.CPUCount(*serverCPUs))
	servers := []server{
		{"daemon1 (gnet)", func(a string) []string { return []string{"-listen", a, "-loops", loops} }, *daemon},
		{"fasthttp.Server", func(a string) []string { return []string{"-listen", a, "-engine", "fasthttp"} }, *daemon},
		{"raw gnet", func(a string) []string { return []string{"-listen", a, "-loops", loops} }, *raw},
	}
	pin = benchkit.Pinning{Server: *serverCPUs, Client: *clientCPUs, Procs: loops}
	scenarios := []scenario{
		{"GET /healthz, 64 conns", 64, 1},
		{"GET /healthz, 256 conns", 256, 1},
		{"GET /healthz, 256 conns, pipelined x16", 256, 16},
	}
	script, err := pipelineScript()
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(script)

	results := map[string]map[string][]result{} // scenario → server → runs
	for r := 0; r < *rounds; r++ {
		for _, sc := range scenarios {
			for i := range servers {
				srv := servers[(i+r)%len(servers)] // rotate who goes first
				res, err := measure(srv, sc, script, *threads, *warmup, *duration)
				if err != nil {
					log.Fatalf("%s, %s: %v", srv.name, sc.name, err)
				}
				if results[sc.name] == nil {
					results[sc.name] = map[string][]result{}
				}
				results[sc.name][srv.name] = append(results[sc.name][srv.name], res)
				log.Printf("round %d  %-40s %-16s %9.0f req/s  p99 %6.2f ms  %5.2f µs CPU/req",
					r+1, sc.name, srv.name, res.RPS, res.P99, res.CPUPerReq)
			}
		}
	}
	report := render(scenarios, servers, results, *rounds, *duration)
	fmt.Print(report)
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*out, []byte(report), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// measure starts srv, warms it up, runs wrk once while sampling the server's
// CPU time, and stops it.
func measure(srv server, sc scenario, script string, threads int, warmup, d time.Duration) (result, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return result{}, err
	}
	cmd := pin.ServerCmd(srv.bin, srv.args(addr)...)
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer benchkit.Stop(cmd)
	if err := benchkit.WaitListening(addr); err != nil {
		return result{}, err
	}
	if _, err := runWrk(addr, sc, script, threads, warmup); err != nil {
		return result{}, fmt.Errorf("warm-up: %w", err)
	}
	before, err := benchkit.CPUTime(cmd.Process.Pid)
	if err != nil {
		return result{}, err
	}
	res, err := runWrk(addr, sc, script, threads, d)
	if err != nil {
		return result{}, err
	}
	after, err := benchkit.CPUTime(cmd.Process.Pid)
	if err != nil {
		return result{}, err
	}
	if res.Requests > 0 {
		res.CPUPerReq = float64((after - before).Microseconds()) / float64(res.Requests)
	}
	return res, nil
}

func render(scs []scenario, servers []server, res map[string]map[string][]result, rounds int, d time.Duration) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# Engine benchmark, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, %s, %s. wrk on the same machine over loopback, %d rounds of %s per cell, medians; ratios are to fasthttp.Server in the same run (req/s: higher is better; CPU: lower is better). %s\n\n",
		host, runtime.NumCPU(), benchkit.CPUModel(), runtime.Version(), rounds, d, pin)
	base := servers[1].name
	for _, sc := range scs {
		fmt.Fprintf(&b, "## %s\n\n", sc.name)
		fmt.Fprintf(&b, "| server | req/s | ×fasthttp | p50 ms | p99 ms | max ms | CPU µs/req | ×fasthttp | min CPU µs/req | ×fasthttp | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		baseRuns := res[sc.name][base]
		for _, srv := range servers {
			rs := res[sc.name][srv.name]
			var errs int64
			for _, r := range rs {
				errs += r.Errors
			}
			minCPU, baseMin := benchkit.MinOf(rs, benchkit.CPU), benchkit.MinOf(baseRuns, benchkit.CPU)
			fmt.Fprintf(&b, "| %s | %.0f | %.2f | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %d |\n", srv.name,
				benchkit.Median(rs, benchkit.RPS), benchkit.PairedRatio(rs, baseRuns, benchkit.RPS),
				ms(benchkit.Median(rs, benchkit.P50)), ms(benchkit.Median(rs, benchkit.P99)), ms(benchkit.Median(rs, benchkit.Max)),
				benchkit.Median(rs, benchkit.CPU), benchkit.PairedRatio(rs, baseRuns, benchkit.CPU), minCPU, minCPU/baseMin, errs)
		}
		b.WriteString("\n")
	}
	b.WriteString("Ratios are medians of the per-round ratios: each round runs the three servers back to back, so a " +
		"ratio pairs figures taken under the same background load. The minimum CPU per request over the rounds is " +
		"the figure least inflated by other tenants of the machine.\n\n")
	b.WriteString("A latency of – is one wrk did not measure: with pipelining it records one sample per batch " +
		"and prints 0 for percentiles it has too few samples for. wrk is closed-loop, so its latencies also hide queueing.\n")
	return b.String()
}

// ms formats a latency in milliseconds; 0 is wrk's "not measured".
func ms(v float64) string {
	if v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

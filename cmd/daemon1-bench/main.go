// Command daemon1-bench drives load at daemon1 (or any HTTP/1.1 server on
// loopback) with bench/loadgen: one run from flags, or a suite that starts
// the servers itself and writes a report with plots (make bench, make
// bench-quick).
//
//	daemon1-bench -addr 127.0.0.1:8080 -scenario get -points 100000 -conns 50 -duration 10s
//	daemon1-bench -addr 127.0.0.1:8080 -scenario get -rate 20000 -duration 10s   # open loop
//	daemon1-bench -suite quick -daemon bin/daemon1 -out bench/results/2026-11-26
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/geometryos/daemon1/bench/loadgen"
	"github.com/geometryos/daemon1/internal/benchkit"
)

// How the suite starts servers: pinned or not, with how many loops (0:
// one per CPU), and where the raw gnet responder is.
var (
	pin    benchkit.Pinning
	loops  = "0"
	rawBin string
)

func main() {
	var (
		addr     = flag.String("addr", "", "server to load (loopback host:port); with -suite, none: the suite starts its own")
		scenario = flag.String("scenario", "healthz", fmt.Sprintf("what to send: %v", loadgen.ScenarioNames()))
		points   = flag.Int("points", 100_000, "points the collection holds (ids pt-0000000…), for the API scenarios")
		loadData = flag.Bool("load", false, "first create collection pts and load -points points into it")
		conns    = flag.Int("conns", 50, "busy connections")
		idle     = flag.Int("idle", 0, "idle connections held open beside them")
		depth    = flag.Int("depth", 1, "pipelined requests per connection (closed loop); with -rate, the most a connection has unanswered (a pipelined open loop)")
		rate     = flag.Float64("rate", 0, "open loop: requests per second in all; 0: closed loop")
		duration = flag.Duration("duration", 10*time.Second, "how long to run")
		requests = flag.Int64("requests", 0, "stop after this many requests too")
		seed     = flag.Uint64("seed", 1, "seed of the randomised paths and bodies")
		jsonOut  = flag.String("json", "", "write the result as JSON here")
		suite    = flag.String("suite", "", "quick (about 4 minutes) or full (about 20): start the servers, run the scenarios, write -out/report.md, report.json and plots")
		daemon   = flag.String("daemon", "bin/daemon1", "the daemon1 binary the suite starts")
		out      = flag.String("out", "bench/results/"+time.Now().UTC().Format("2006-01-02"), "the suite's report directory")
		srvCPUs  = flag.String("server-cpus", "", "CPU list the suite pins the servers to (taskset; GOMAXPROCS and -loops follow); empty: not pinned")
	)
	flag.StringVar(&rawBin, "raw", "bin/rawgnet", "the raw gnet responder the suite compares the engine with")
	flag.Parse()
	if *srvCPUs != "" {
		n := strconv.Itoa(benchkit.CPUCount(*srvCPUs))
		pin, loops = benchkit.Pinning{Server: *srvCPUs, Procs: n}, n
	}
	if *suite != "" {
		if err := runSuite(*suite, *daemon, *out); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *addr == "" {
		log.Fatal("-addr is needed (or -suite)")
	}
	if *loadData {
		if err := loadgen.LoadPoints("http://"+*addr, *points, loadgen.DefaultArea, 42); err != nil {
			log.Fatal(err)
		}
	}
	sc, err := loadgen.NewScenario(*scenario, *points, loadgen.DefaultArea)
	if err != nil {
		log.Fatal(err)
	}
	cfg := loadgen.Config{Addr: *addr, Conns: *conns, Idle: *idle, Depth: *depth, Rate: *rate,
		Duration: *duration, Requests: *requests, Scenario: sc, Seed: *seed}
	if isTerminal(os.Stderr) {
		cfg.Progress = os.Stderr
	}
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		log.Fatal(err)
	}
	row := rowOf(*scenario, "", cfg, *points, res)
	fmt.Println(row.String())
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(row, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// isTerminal reports whether f is a terminal: the progress line is for
// people, not for logs.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

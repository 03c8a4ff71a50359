// Command apibench measures daemon1's OGC API on a generated data set with
// wrk over loopback, beside the same handlers on fasthttp.Server (the
// baseline) in the same run: GET of one feature, a small bbox listing,
// nearby k=10 within 1 km, within a small polygon, and PUT of a point.
//
// Each round starts each engine afresh, loads the same points, and runs
// every scenario on it; the engines alternate which goes first. Reported:
// medians over rounds of req/s and latency percentiles (wrk's histogram,
// closed loop), the server's CPU per request from /proc/PID/stat, its RSS
// after the load, and ratios to fasthttp.Server paired by round.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/geometryos/daemon1/internal/benchkit"
)

// config is the run's settings, from flags.
type config struct {
	daemon            string
	points            int
	conns, threads    int
	rounds            int
	duration, warmup  time.Duration
	out               string
	fsync             string
	putScale          string
	pin               benchkit.Pinning
	loops             string
	minLon, minLat, w float64 // the area the points are spread over: w° × w°
}

func main() {
	var c config
	flag.StringVar(&c.daemon, "daemon", "bin/daemon1", "daemon1 binary")
	flag.IntVar(&c.points, "points", 100_000, "point features loaded")
	flag.IntVar(&c.conns, "conns", 50, "wrk connections")
	flag.IntVar(&c.threads, "threads", 2, "wrk threads")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds; each runs every scenario on both engines")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "measured time of one wrk run")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured wrk run before each measured one")
	serverCPUs := flag.String("server-cpus", "", "CPU list the daemon is pinned to (taskset); empty: not pinned")
	clientCPUs := flag.String("client-cpus", "", "CPU list wrk is pinned to; empty: not pinned")
	flag.StringVar(&c.out, "out", "", "write the markdown report here too")
	flag.StringVar(&c.fsync, "fsync", "always", "the daemon's -fsync")
	flag.StringVar(&c.putScale, "put-scale", "", "instead of the scenarios: PUT at each of these connection counts (e.g. 1,4,16,64,256), gnet only")
	flag.StringVar(&benchkit.RawDir, "raw-dir", "", "keep every wrk output in this directory")
	flag.Parse()
	c.minLon, c.minLat, c.w = 13, 52, 1
	c.loops = "0"
	if *serverCPUs != "" {
		c.loops = strconv.Itoa(benchkit.CPUCount(*serverCPUs))
		c.pin.Procs = c.loops
	}
	c.pin.Server, c.pin.Client = *serverCPUs, *clientCPUs

	scripts, err := writeScripts(&c)
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		for _, s := range scripts {
			os.Remove(s.file)
		}
	}()
	if c.putScale != "" {
		report, err := putScale(&c, scripts)
		if err != nil {
			log.Fatal(err)
		}
		emit(&c, report)
		return
	}
	engines := []string{"gnet", "fasthttp"}
	results := map[string]map[string][]benchkit.Result{} // scenario → engine → rounds
	rss := map[string][]int64{}
	for r := 0; r < c.rounds; r++ {
		for i := range engines {
			engine := engines[(i+r)%len(engines)]
			res, loaded, err := runEngine(&c, engine, scripts)
			if err != nil {
				log.Fatalf("round %d, %s: %v", r+1, engine, err)
			}
			rss[engine] = append(rss[engine], loaded)
			for _, s := range scripts {
				if results[s.name] == nil {
					results[s.name] = map[string][]benchkit.Result{}
				}
				results[s.name][engine] = append(results[s.name][engine], res[s.name])
			}
		}
	}
	emit(&c, render(&c, scripts, engines, results, rss))
}

// emit prints the report and writes it to -out.
func emit(c *config, report string) {
	fmt.Print(report)
	if c.out != "" {
		if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(c.out, []byte(report), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/geometryos/daemon1/bench/loadgen"
	"github.com/geometryos/daemon1/internal/benchkit"
)

// report is a suite's results.
type report struct {
	Suite             string      `json:"suite"`
	Started, Finished time.Time   `json:"-"`
	Machine           string      `json:"machine"`
	Engine            []Row       `json:"engine"`      // GET /healthz: daemon1, fasthttp.Server, raw gnet, by round
	Table             []Row       `json:"scenarios"`   // scenario × engine × data set, 50 connections
	Headline          []Row       `json:"headline"`    // open loops at fractions of the closed loop's maximum, pinned and shared
	Conns             []Row       `json:"connections"` // get against connections
	Sizes             []Row       `json:"data_sizes"`  // get and nearby against data size
	Puts              []Row       `json:"puts"`        // PUT, -fsync always, against connections
	Fleet             []Row       `json:"fleet"`       // PUT and GET: single node, fleet node, through HAProxy
	FleetFacts        fleetFacts  `json:"fleet_facts"`
	Cold              []coldStart `json:"cold_starts"` // restarts on the largest data set
	Binary            []Row       `json:"binary"`      // REST and binary side by side, both engines, by depth
}

func machine() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s, %d CPUs (%s), %s; the generator and the server share the machine, over loopback, unpinned but in the headline's pinned cells",
		host, benchkit.MachineCPUs(), benchkit.CPUModel(), runtime.Version())
}

func (r *report) find(scenario, engine string, points int) Row {
	for _, row := range r.Table {
		if row.Scenario == scenario && row.Engine == engine && row.Points == points {
			return row
		}
	}
	return Row{}
}

// write puts report.md, report.json and the plots in dir.
func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(r, "", " ")
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	plots, err := r.plot(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.markdown(plots)), 0o644)
}

func (r *report) markdown(plots []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# daemon1 benchmark (%s suite), %s\n\n", r.Suite, r.Started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s. Made by `daemon1-bench -suite %s` (bench/loadgen: raw keep-alive HTTP/1.1, "+
		"HDR histograms, latency from when each request was due in the open loop) in %s. Each server is "+
		"daemon1 started afresh (`-fsync always`), its data loaded, then warmed up for a second before each cell.\n\n",
		r.Machine, r.Suite, r.Finished.Sub(r.Started).Round(time.Second))
	r.headlineMarkdown(&b)
	r.engineMarkdown(&b)
	if len(r.Table) > 0 {
		r.tableMarkdown(&b)
	}
	r.restMarkdown(&b)
	r.binaryMarkdown(&b)
	b.WriteString(r.coldMarkdown())
	r.fleetMarkdown(&b)
	b.WriteString("\n## Plots\n\n")
	for _, p := range plots {
		fmt.Fprintf(&b, "![%s](%s)\n\n", p, p)
	}
	b.WriteString("The machine is shared and noisy: read ratios measured in the same run, not absolute figures; one run per cell.\n")
	return b.String()
}

// tableMarkdown writes the scenario table.
func (r *report) tableMarkdown(b *strings.Builder) {
	b.WriteString("## Scenarios, 50 connections, closed loop\n\nRatios are to fasthttp.Server serving the same handlers, measured in the same run. put and bulk are durable (`-fsync always`); a bulk request inserts " + strconv.Itoa(loadgen.BulkSize) + " new points (features/s = req/s × " + strconv.Itoa(loadgen.BulkSize) + ").\n\n")
	b.WriteString("| scenario | points | engine | req/s | ×fasthttp | p50 | p90 | p99 | p99.9 | p99.99 | max (ms) | CPU µs/req | ×fasthttp | errors | non-2xx |\n")
	b.WriteString("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Table {
		base := r.find(row.Scenario, "fasthttp", row.Points)
		fmt.Fprintf(b, "| %s | %d | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f | %d | %d |\n",
			row.Scenario, row.Points, row.Engine, row.RPS, ratio(row.RPS, base.RPS), row.P50, row.P90, row.P99, row.P999, row.P9999, row.Max,
			row.CPUMicros, ratio(row.CPUMicros, base.CPUMicros), row.Errors, row.Non2xx)
	}
}

// restMarkdown writes the open loop, connection, PUT and data-size tables.
func (r *report) restMarkdown(b *strings.Builder) {
	if len(r.Conns) > 0 {
		b.WriteString("\n## Connections: GET item, gnet, closed loop\n\n| busy connections | idle | req/s | p50 | p99 | p99.9 | max (ms) | RSS MB after | errors |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, row := range r.Conns {
			fmt.Fprintf(b, "| %d | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %d |\n", row.Conns, row.Idle, row.RPS, row.P50, row.P99, row.P999, row.Max, row.RSSAfter, row.Errors)
		}
	}
	if len(r.Puts) > 0 {
		b.WriteString("\n## PUT at -fsync always against connections, gnet\n\nWrites per fsync: the group commit at work. non-2xx are 503s for writes refused before they started (every worker busy, or the committer's queue full).\n\n" +
			"| connections | req/s | p50 | p99 | p99.9 | max (ms) | writes per fsync | non-2xx |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, row := range r.Puts {
			fmt.Fprintf(b, "| %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %d |\n", row.Conns, row.RPS, row.P50, row.P99, row.P999, row.Max, row.WritesPerFsync, row.Non2xx)
		}
	}
	if len(r.Sizes) > 0 {
		b.WriteString("\n## Data size: gnet, 50 connections, closed loop\n\n| scenario | points | req/s | p99 | p99.9 (ms) | RSS MB |\n|---|---:|---:|---:|---:|---:|\n")
		for _, row := range r.Sizes {
			fmt.Fprintf(b, "| %s | %d | %.0f | %.2f | %.2f | %.0f |\n", row.Scenario, row.Points, row.RPS, row.P99, row.P999, row.RSSAfter)
		}
	}
}

// verdict says whether an open-loop cell held p99.9 under 10 ms, or that
// it is invalid: its generator did not reach the target rate (within
// 1 %), so its latencies are not the server's at that load.
func verdict(row Row) string {
	if row.Load > 1 {
		return "overload: not judged"
	}
	if row.Rate > 0 && row.RPS < 0.99*row.Rate {
		return fmt.Sprintf("**invalid**: achieved %.1f %% of the target", 100*row.RPS/row.Rate)
	}
	return yes(row.P999 < 10)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// fleetMarkdown writes the fleet section.
func (r *report) fleetMarkdown(b *strings.Builder) {
	f := r.FleetFacts
	if len(r.Fleet) == 0 {
		for _, n := range f.Notes {
			fmt.Fprintf(b, "\n## Fleet\n\n%s\n", n)
		}
		return
	}
	fmt.Fprintf(b, "\n## Fleet: three nodes and HAProxy on this machine, closed loop\n\n"+
		"Three daemon1 nodes, each with its embedded nats-server (one JetStream cluster, the write log R3, synced to disk before each ack), "+
		"HAProxy with deploy/haproxy.cfg in front, %d points; the single node (`-fsync always`) measured in the same run. "+
		"On %d shared cores this shows the fleet's overhead, not scale: every process competes for the same cores.\n\n", f.Points, benchkit.MachineCPUs())
	b.WriteString("| scenario | where | connections | req/s | ×single | p50 | p99 | p99.9 | max (ms) | errors | non-2xx |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Fleet {
		base := 0.0
		for _, o := range r.Fleet {
			if o.Engine == "single node" && o.Scenario == row.Scenario && o.Conns == row.Conns {
				base = o.RPS
			}
		}
		fmt.Fprintf(b, "| %s | %s | %d | %.0f | %s | %.2f | %.2f | %.2f | %.2f | %d | %d |\n", row.Scenario, row.Engine, row.Conns, row.RPS,
			ratioText(row.RPS, base), row.P50, row.P99, row.P999, row.Max, row.Errors, row.Non2xx)
	}
	fmt.Fprintf(b, "\n- A stopped node back and ready: %.2f s from its snapshot, %.2f s replaying the whole log (%d points): "+
		"%.1f s and %.1f s per million.\n", f.CatchUpSnapshot, f.CatchUpLog, f.Points,
		f.CatchUpSnapshot*1e6/float64(f.Points), f.CatchUpLog*1e6/float64(f.Points))
	fmt.Fprintf(b, "- SIGKILL of the write log's leader under 8 writers through HAProxy: the longest time without an acknowledged write was %.2f s "+
		"(JetStream's election timeout is 4–9 s, not configurable); the other answers meanwhile (status: count; 0 is no answer): %v.\n", f.LeaderKillGap, f.LeaderKillStatus)
	single := 0.0
	for _, row := range r.Fleet {
		if row.Engine == "single node" {
			single = max(single, row.RSSAfter)
		}
	}
	fmt.Fprintf(b, "- Resident memory per node (daemon1 with its nats-server) with the data loaded and the cells run: %.0f MB; the single node with the same data: %.0f MB.\n", f.NodeRSS, single)
	for _, n := range f.Notes {
		fmt.Fprintf(b, "- %s\n", n)
	}
}

func ratioText(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

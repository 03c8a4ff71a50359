package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/geometryos/daemon1/internal/benchkit"
)

// The headline figures are open-loop latencies (from when each request was
// due) with the server on its own CPUs and the generator on the others:
// on a small machine, a closed loop on shared cores measures the generator
// as much as the server. The same cells with both unpinned stay beside
// them. Each cell first finds its closed-loop maximum in its placement,
// then runs open loops at fractions of it; the busiest one runs several
// times, since a tail that holds must hold in every run.

// headCell is one scenario of the headline: depth is the closed loop's
// pipelining, and the most a connection of the open loop leaves unanswered.
type headCell struct {
	scenario string
	depth    int
}

// placement is where the server and the generator run.
type placement struct {
	name   string
	server benchkit.Pinning
	gen    string // the generator's taskset CPU list; "" runs it in this process, unpinned
}

// placements are the pinned placement (the first half of the CPUs for the
// server, the rest for the generator: on two, one each), when the machine
// has two CPUs or more, and the shared one.
func placements() []placement {
	shared := placement{name: "shared"}
	n := runtime.NumCPU()
	if n < 2 {
		return []placement{shared}
	}
	half := n / 2
	pinned := placement{name: "pinned",
		server: benchkit.Pinning{Server: cpuRange(0, half), Procs: strconv.Itoa(half)},
		gen:    cpuRange(half, n)}
	return []placement{pinned, shared}
}

func cpuRange(lo, hi int) string {
	if hi-lo == 1 {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi-1)
}

// runHeadline measures p's headline cells in every placement.
//
// The generator has a tail of its own (on one CPU, its goroutines wait for
// their turn, and an open loop counts that as latency): the raw gnet
// responder, which parses nothing, is loaded at the first cell's rates,
// so the table shows the instrument's floor beside the server's figures.
func runHeadline(p plan, bin string, rep *report) error {
	for _, pl := range placements() {
		for i, cell := range p.headCells {
			closed, err := headlineCell(p, bin, "gnet", pl, cell, 0, rep)
			if err == nil && i == 0 {
				_, err = headlineCell(p, bin, "raw gnet", pl, headCell{"healthz", cell.depth}, closed, rep)
			}
			if err != nil {
				return fmt.Errorf("headline %s %s depth %d: %w", pl.name, cell.scenario, cell.depth, err)
			}
		}
	}
	return nil
}

// headlineCell runs one scenario in one placement on a fresh server: the
// closed loop, then each open-loop load (the last one p.headRepeats times)
// of its maximum, or of maxRPS when that is given (then without the closed
// loop). It returns the maximum.
func headlineCell(p plan, bin, engine string, pl placement, cell headCell, maxRPS float64, rep *report) (float64, error) {
	points := p.points[0]
	if engine == "raw gnet" {
		points = 0
	}
	s, err := startServerPinned(bin, engine, points, pl.server, strconv.Itoa(max(1, benchkit.CPUCount(pl.server.Server))))
	if err != nil {
		return 0, err
	}
	defer s.stop()
	if maxRPS == 0 {
		closed, err := s.measureFrom(p, cell.scenario, cell.depth, 0, pl.gen)
		if err != nil {
			return 0, err
		}
		closed.Mode, closed.ServerCPUs = pl.name, serverCPUs(pl)
		rep.Headline = append(rep.Headline, closed)
		maxRPS = closed.RPS
	}
	for i, load := range p.headLoads {
		runs := 1
		if i == len(p.headLoads)-1 {
			runs = max(1, p.headRepeats)
		}
		for run := 0; run < runs; run++ {
			row, err := s.measureFrom(p, cell.scenario, cell.depth, load*maxRPS, pl.gen)
			if err != nil {
				return 0, err
			}
			row.Mode, row.Load, row.Round, row.ServerCPUs = pl.name, load, run, serverCPUs(pl)
			rep.Headline = append(rep.Headline, row)
		}
	}
	return maxRPS, nil
}

// serverCPUs are the CPUs the server may run on in pl: those it is
// pinned to, or the machine's.
func serverCPUs(pl placement) int {
	if pl.server.Server != "" {
		return max(1, benchkit.CPUCount(pl.server.Server))
	}
	return benchkit.MachineCPUs()
}

// busy is the share of its CPUs the server was busy in row: its CPU time
// per second over the CPUs it could use.
func busy(row Row) float64 {
	if row.ServerCPUs == 0 {
		return 0
	}
	return row.RPS * row.CPUMicros / 1e6 / float64(row.ServerCPUs)
}

// measureFrom is measure, 50 connections, with the generator pinned to
// the CPUs gen (a child process: this program, run as a plain generator),
// or in this process when gen is "".
func (s *server) measureFrom(p plan, scenario string, depth int, rate float64, gen string) (Row, error) {
	conns := cmp.Or(p.headConns, 50)
	if gen == "" {
		return s.measure(p, scenario, conns, 0, depth, rate)
	}
	if _, err := s.warmUp(p, scenario, conns, depth); err != nil {
		return Row{}, err
	}
	return s.timed(scenario, func() (Row, error) {
		if !p.probe || s.engine == "raw gnet" {
			return pinnedRun(gen, s.addr, scenario, s.points, conns, depth, rate, p)
		}
		var probe Row
		var perr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			probe, perr = pinnedRun(gen, s.addr, "healthz", 0, 1, 1, probeRate, p)
		}()
		row, err := pinnedRun(gen, s.addr, scenario, s.points, conns, depth, rate, p)
		<-done
		if err == nil {
			err = perr
		}
		row.ProbeP50, row.ProbeP99, row.ProbeP999, row.ProbeMax = probe.P50, probe.P99, probe.P999, probe.Max
		return row, err
	})
}

// probeRate is how often /healthz is asked alongside a cell (plan.probe),
// on a connection of its own, one at a time: an operator's view of a busy
// server. Slow enough that an answer taking one round of a saturated
// event loop (a few milliseconds) does not queue the next behind it.
const probeRate = 50

// pinnedRun runs this program as a plain generator on the CPUs cpus and
// reads back its row.
func pinnedRun(cpus, addr, scenario string, points, conns, depth int, rate float64, p plan) (Row, error) {
	self, err := os.Executable()
	if err != nil {
		return Row{}, err
	}
	dir, err := os.MkdirTemp("", "daemon1-bench-gen-")
	if err != nil {
		return Row{}, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "row.json")
	cmd := exec.Command("taskset", "-c", cpus, self, "-addr", addr, "-scenario", scenario,
		"-points", strconv.Itoa(points), "-conns", strconv.Itoa(conns), "-depth", strconv.Itoa(depth),
		"-rate", strconv.FormatFloat(rate, 'f', 0, 64), "-duration", p.duration.String(), "-seed", "11", "-json", out)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(benchkit.CPUCount(cpus)))
	if b, err := cmd.CombinedOutput(); err != nil {
		return Row{}, fmt.Errorf("generator on CPUs %s: %w: %s", cpus, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return Row{}, err
	}
	var row Row
	if err := json.Unmarshal(b, &row); err != nil {
		return Row{}, fmt.Errorf("generator's row: %w", err)
	}
	return row, nil
}

// headlineMarkdown writes the headline table: for each placement and
// scenario, the closed loop's maximum and the open loops' tails, each with
// its verdict (p99.9 under 10 ms, or invalid when the generator fell
// short of the target rate).
func (r *report) headlineMarkdown(b *strings.Builder) {
	if len(r.Headline) == 0 {
		return
	}
	b.WriteString("## Headline: latency under load, open loop\n\n" +
		"gnet, " + strconv.Itoa(r.Headline[0].Conns) + " connections, " + strconv.Itoa(r.Headline[0].Points) + " points, `-fsync always`. *pinned*: the server on its own CPUs, " +
		"the generator on the others (the server's own tail); *shared*: both unpinned. Each scenario first runs a closed loop " +
		"(its maximum here), then open loops at fractions of that rate, latency counted from when each request was due; " +
		"depth is the closed loop's pipelining and the most requests a connection of the open loop leaves unanswered. " +
		"The bar: p99.9 under 10 ms. A cell whose generator fell short of its target rate by more than 1 % is invalid: " +
		"its latencies are not the server's at that load. *Server busy* is the server's CPU time a second over the CPUs it " +
		"could use. An open loop costs the server more per request than the closed loop whose maximum sets its loads: paced " +
		"requests arrive one at a time, each with its own wake-up, read and write, where a closed loop's arrive in bursts that " +
		"share them. So a cell near 100 % busy is at the server's capacity even at a nominal 50 or 80 %, and its tail is its " +
		"queue's, not the time the server takes per request.\n\n")
	b.WriteString("*Refused · cut · late* are the server's own counts over the cell: requests refused 503 before they started " +
		"for want of capacity, reads whose page the budget cut short (200s with a next link), and answers written after " +
		"their budget. A load over 100 % offers more than the closed loop's maximum: genuine overload, where the server " +
		"should refuse early and stay responsive rather than queue. *healthz alongside*, where measured: GET /healthz " +
		"asked " + strconv.Itoa(probeRate) + " times a second on a connection of its own during the cell (open loop, from the " +
		"generator's CPUs), its p99 · max.\n\n")
	b.WriteString("| placement | scenario | depth | load | req/s | p50 | p99 | p99.9 | max (ms) | CPU µs/req | server busy | errors | non-2xx | refused · cut · late | healthz alongside | p99.9 < 10 ms |\n" +
		"|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, row := range r.Headline {
		load, v := "closed (max)", "–"
		if row.Rate > 0 {
			load, v = fmt.Sprintf("%.0f %% (%.0f/s)", 100*row.Load, row.Rate), verdict(row)
		}
		scenario := row.Scenario
		if row.Engine == "raw gnet" {
			scenario = "floor: raw gnet, the generator's own tail"
		}
		probe := "–"
		if row.ProbeMax > 0 {
			probe = fmt.Sprintf("%.2f · %.2f", row.ProbeP99, row.ProbeMax)
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %.0f %% | %d | %d | %d · %d · %d | %s | %s |\n", row.Mode, scenario, row.Depth,
			load, row.RPS, row.P50, row.P99, row.P999, row.Max, row.CPUMicros, 100*busy(row), row.Errors, row.Non2xx, row.Refused, row.Cut, row.Late, probe, v)
	}
	b.WriteString("\n")
}

// headlineOpen are the open-loop cells of the first placement at the
// highest load, first run of each: the open-loop plot.
func (r *report) headlineOpen() []Row {
	var rows []Row
	top := 0.0
	for _, row := range r.Headline {
		top = max(top, row.Load)
	}
	for _, row := range r.Headline {
		if row.Rate > 0 && row.Load == top && row.Round == 0 && row.Mode == r.Headline[0].Mode && row.Engine != "raw gnet" {
			rows = append(rows, row)
		}
	}
	return rows
}

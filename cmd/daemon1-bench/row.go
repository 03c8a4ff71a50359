package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/geometryos/daemon1/bench/loadgen"
)

// Row is one measured run, as the report and its JSON hold it.
type Row struct {
	Scenario string  `json:"scenario"`
	Engine   string  `json:"engine,omitempty"`
	Conns    int     `json:"conns"`
	Idle     int     `json:"idle,omitempty"`
	Depth    int     `json:"depth"`
	Rate     float64 `json:"rate,omitempty"` // open loop target; 0: closed loop
	Points   int     `json:"points"`
	Round    int     `json:"round,omitempty"`
	Mode     string  `json:"mode,omitempty"` // the headline's placement: pinned or shared
	Load     float64 `json:"load,omitempty"` // the headline's open loop: its rate over the closed loop's maximum
	Requests int64   `json:"requests"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	Errors   int64   `json:"errors"`
	Non2xx   int64   `json:"non2xx"`
	// Latency percentiles in milliseconds.
	P50, P90, P99, P999, P9999, Max float64
	// The server's CPU per request (µs) and resident memory (MB), when the
	// suite started it.
	CPUMicros float64 `json:"cpu_us_per_req,omitempty"`
	// ServerCPUs are the CPUs the server could use (the headline's cells).
	ServerCPUs int     `json:"server_cpus,omitempty"`
	RSSBefore  float64 `json:"rss_mb_before,omitempty"`
	RSSAfter   float64 `json:"rss_mb_after,omitempty"`
	// WritesPerFsync: for PUT, acknowledged writes per fsync of the file.
	WritesPerFsync float64 `json:"writes_per_fsync,omitempty"`
	// What the budget model tells apart, by the server's own count (its
	// /metrics, over the cell): requests refused 503 before they started
	// for want of capacity, reads whose page the budget cut (200s with a
	// next link), and answers written after their budget.
	Refused int64 `json:"refused,omitempty"`
	Cut     int64 `json:"cut,omitempty"`
	Late    int64 `json:"late,omitempty"`
	// GET /healthz asked alongside the cell (plan.probe): its latency (ms).
	ProbeP50, ProbeP99, ProbeP999, ProbeMax float64 `json:",omitempty"`
	// Curve is the latency at percentiles for the HDR plot: [q, ms].
	Curve [][2]float64 `json:"curve"`
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func rowOf(scenario, engine string, cfg loadgen.Config, points int, res *loadgen.Result) Row {
	r := Row{Scenario: scenario, Engine: engine, Conns: cfg.Conns, Idle: cfg.Idle, Depth: max(cfg.Depth, 1), Rate: cfg.Rate,
		Points: points, Requests: res.Requests, Seconds: res.Elapsed.Seconds(), RPS: res.RPS(),
		Errors: res.Errors, Non2xx: res.Non2xx(),
		P50: ms(res.Percentile(50)), P90: ms(res.Percentile(90)), P99: ms(res.Percentile(99)),
		P999: ms(res.Percentile(99.9)), P9999: ms(res.Percentile(99.99)), Max: ms(res.Max())}
	for _, q := range []float64{0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999} {
		r.Curve = append(r.Curve, [2]float64{q, ms(res.Percentile(q))})
	}
	return r
}

func (r Row) String() string {
	mode := "closed"
	if r.Rate > 0 {
		mode = fmt.Sprintf("open %.0f/s", r.Rate)
	}
	return fmt.Sprintf("%-8s %-9s %5d conns  %-13s %9.0f req/s  p50 %6.2f  p99 %6.2f  p99.9 %6.2f  p99.99 %6.2f  max %6.2f ms  errors %d  non-2xx %d",
		r.Scenario, r.Engine, r.Conns, mode, r.RPS, r.P50, r.P99, r.P999, r.P9999, r.Max, r.Errors, r.Non2xx)
}

func sortRows(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Scenario < rows[j].Scenario })
}

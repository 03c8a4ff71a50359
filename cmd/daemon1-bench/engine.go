package main

import (
	"fmt"
	"sort"
	"strings"
)

// engineMarkdown writes the engine comparison: per cell and server, the
// medians over rounds, and ratios to fasthttp.Server paired by round (the
// median of the per-round ratios); min CPU is the figure least inflated by
// the machine's other tenants.
func (r *report) engineMarkdown(b *strings.Builder) {
	if len(r.Engine) == 0 {
		return
	}
	b.WriteString("## Engine: GET /healthz, closed loop\n\nEach round runs the three servers back to back (who goes first rotates); ratios are medians of the per-round ratios to fasthttp.Server.\n\n")
	b.WriteString("| connections | depth | server | req/s (median) | ×fasthttp | p50 | p99 | p99.9 (ms) | CPU µs/req | ×fasthttp | min CPU µs/req | ×fasthttp |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, cell := range engineCells {
		base := r.engineRuns(cell.conns, cell.depth, "fasthttp")
		for _, srv := range []string{"gnet", "fasthttp", "raw gnet"} {
			runs := r.engineRuns(cell.conns, cell.depth, srv)
			if len(runs) == 0 {
				continue
			}
			rps := func(x Row) float64 { return x.RPS }
			cpu := func(x Row) float64 { return x.CPUMicros }
			fmt.Fprintf(b, "| %d | %d | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
				cell.conns, cell.depth, srv, med(runs, rps), paired(runs, base, rps),
				med(runs, func(x Row) float64 { return x.P50 }), med(runs, func(x Row) float64 { return x.P99 }),
				med(runs, func(x Row) float64 { return x.P999 }), med(runs, cpu), paired(runs, base, cpu),
				least(runs, cpu), ratio(least(runs, cpu), least(base, cpu)))
		}
	}
	b.WriteString("\n")
}

// engineRuns are srv's rows of one cell, by round.
func (r *report) engineRuns(conns, depth int, srv string) []Row {
	var rows []Row
	for _, row := range r.Engine {
		if row.Conns == conns && row.Depth == depth && row.Engine == srv {
			rows = append(rows, row)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Round < rows[j].Round })
	return rows
}

func med(rows []Row, f func(Row) float64) float64 {
	v := make([]float64, len(rows))
	for i, r := range rows {
		v[i] = f(r)
	}
	return median(v)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// paired is the median over rounds of f(rows[i]) / f(base[i]).
func paired(rows, base []Row, f func(Row) float64) float64 {
	var v []float64
	for i := range rows {
		if i < len(base) && f(base[i]) > 0 {
			v = append(v, f(rows[i])/f(base[i]))
		}
	}
	return median(v)
}

func least(rows []Row, f func(Row) float64) float64 {
	if len(rows) == 0 {
		return 0
	}
	m := f(rows[0])
	for _, r := range rows[1:] {
		m = min(m, f(r))
	}
	return m
}

package main

import (
	"fmt"
	"strings"

	"github.com/geometryos/daemon1/bench/loadgen"
)

// binPairs are the binary protocol's scenarios beside the REST scenario
// that does the same work on the same data.
var binPairs = [][2]string{{"get", "bin-get"}, {"nearby", "bin-nearby"}, {"within", "bin-within"}, {"put", "bin-put"}, {"bulk", "bin-bulk"}}

// binDepths are the pipeline depths of the binary section.
var binDepths = []int{1, 16, 128}

// runBinary measures REST and the binary protocol side by side, on both
// engines, 50 connections, closed loop, at each depth: the REST cell, then
// the binary one, so that each ratio pairs cells taken moments apart.
func runBinary(p plan, bin string, rep *report) error {
	for _, engine := range []string{"gnet", "fasthttp"} {
		s, err := startServer(bin, engine, p.binPoints)
		if err != nil {
			return err
		}
		for _, pair := range binPairs {
			for _, depth := range binDepths {
				for _, sc := range pair {
					row, err := s.measure(p, sc, 50, 0, depth, 0)
					if err != nil {
						s.stop()
						return fmt.Errorf("%s, depth %d: %w", sc, depth, err)
					}
					rep.Binary = append(rep.Binary, row)
				}
			}
		}
		s.stop()
	}
	return nil
}

// findBinary returns the row of scenario on engine at depth.
func (r *report) findBinary(scenario, engine string, depth int) Row {
	for _, row := range r.Binary {
		if row.Scenario == scenario && row.Engine == engine && row.Depth == depth {
			return row
		}
	}
	return Row{}
}

// okRate is a row's successful answers per second.
func okRate(r Row) float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return float64(r.Requests-r.Non2xx) / r.Seconds
}

// binaryMarkdown writes the binary section: each binary cell beside its
// REST cell and beside the same binary cell on fasthttp.Server.
func (r *report) binaryMarkdown(b *strings.Builder) {
	if len(r.Binary) == 0 {
		return
	}
	b.WriteString("\n## The binary protocol beside REST, 50 connections, closed loop\n\n" +
		"Same data (" + fmt.Sprint(r.Binary[0].Points) + " points over 1°×1°), same server, cells taken one after the other. " +
		"Rates count successful answers only (2xx, or the frame statuses ok and created): a cell that sheds load " +
		"does not look faster for it. CPU is the server's, per request; a bulk request inserts " + fmt.Sprint(loadgen.BulkSize) + " points. " +
		"put and bulk are durable (`-fsync always`).\n\n")
	b.WriteString("| op | engine | depth | REST ok/s | binary ok/s | ×REST | REST CPU µs | binary CPU µs | binary p50 | p99 | p99.9 | p99.99 (ms) | binary ×fasthttp | writes/fsync | failed (REST, binary) |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, pair := range binPairs {
		for _, engine := range []string{"gnet", "fasthttp"} {
			for _, depth := range binDepths {
				rest, bin := r.findBinary(pair[0], engine, depth), r.findBinary(pair[1], engine, depth)
				if bin.Requests == 0 {
					continue
				}
				base := r.findBinary(pair[1], "fasthttp", depth)
				fmt.Fprintf(b, "| %s | %s | %d | %.0f | %.0f | %.2f | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %d, %d |\n",
					pair[0], engine, depth, okRate(rest), okRate(bin), ratio(okRate(bin), okRate(rest)), rest.CPUMicros, bin.CPUMicros,
					bin.P50, bin.P99, bin.P999, bin.P9999, ratio(okRate(bin), okRate(base)), bin.WritesPerFsync,
					rest.Non2xx+rest.Errors, bin.Non2xx+bin.Errors)
			}
		}
	}
}

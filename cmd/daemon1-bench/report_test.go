package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A report from made-up rows: the tables, the ratios paired by round, the
// open loop's verdict, and plots that exist.
func TestReport(t *testing.T) {
	curve := [][2]float64{{0, 0.1}, {50, 0.5}, {99, 4}, {99.9, 9}, {99.99, 12}, {99.999, 13}}
	row := func(sc, engine string, conns, depth, round int, rps, cpu, p999 float64) Row {
		return Row{Scenario: sc, Engine: engine, Conns: conns, Depth: depth, Round: round, Points: 100,
			RPS: rps, CPUMicros: cpu, P999: p999, Curve: curve}
	}
	r := &report{Suite: "test", Machine: "m"}
	for round, f := range []float64{1, 2} { // round 2 twice as busy for everyone
		r.Engine = append(r.Engine,
			row("healthz", "gnet", 64, 1, round, 1200/f, 8*f, 1),
			row("healthz", "fasthttp", 64, 1, round, 1000/f, 10*f, 1),
			row("healthz", "raw gnet", 64, 1, round, 1500/f, 6*f, 1))
	}
	r.Table = []Row{row("get", "gnet", 50, 1, 0, 900, 9, 8), row("get", "fasthttp", 50, 1, 0, 1000, 10, 9)}
	r.Headline = []Row{row("get", "gnet", 50, 1, 0, 1000, 9, 40), row("get", "gnet", 50, 1, 0, 500, 9, 5),
		row("get", "gnet", 50, 1, 0, 800, 9, 30), row("get", "gnet", 50, 1, 1, 700, 9, 2), row("healthz", "raw gnet", 50, 1, 0, 800, 5, 4),
		row("put", "gnet", 50, 16, 0, 300, 20, 8)}
	for i, h := range []struct {
		mode       string
		rate, load float64
	}{{"pinned", 0, 0}, {"pinned", 500, 0.5}, {"pinned", 800, 0.8}, {"pinned", 800, 0.8}, {"pinned", 800, 0.8}, {"shared", 300, 0.8}} {
		r.Headline[i].Mode, r.Headline[i].Rate, r.Headline[i].Load = h.mode, h.rate, h.load
	}
	r.Conns = []Row{row("get", "gnet", 1, 1, 0, 100, 9, 1), row("get", "gnet", 16, 1, 0, 800, 9, 3)}
	r.Cold = []coldStart{{Points: 1_000_000, Features: 1_000_000, Seconds: 0.5, Replay: 0.45},
		{Points: 1_000_000, Features: 1_000_000, Seconds: 0.4, Replay: 0.35}, {Points: 1_000_000, Features: 1_000_000, Seconds: 2, Replay: 1.9}}
	r.Binary = []Row{row("get", "gnet", 50, 16, 0, 200, 4, 3), row("bin-get", "gnet", 50, 16, 0, 500, 2, 2),
		row("bin-get", "fasthttp", 50, 16, 0, 250, 4, 3), row("put", "gnet", 50, 16, 0, 100, 12, 30), row("bin-put", "gnet", 50, 16, 0, 300, 8, 20)}
	for i := range r.Binary {
		r.Binary[i].Seconds, r.Binary[i].Requests = 2, int64(2*r.Binary[i].RPS)
	}
	r.Binary[4].Non2xx = 200 // a third of the binary puts failed: 200 ok/s, not 300
	dir := t.TempDir()
	if err := r.write(dir); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, want := range []string{
		"| 64 | 1 | gnet | 900 | 1.20 |", // median of 1200 and 600; paired ratio 1.2 both rounds
		"| 12.00 | 0.80 | 8.00 | 0.80 |", // CPU: median 12, paired 0.8; min 8 against 10
		"| get | 100 | gnet | 900 | 0.90 |",
		"| pinned | get | 1 | closed (max) | 1000 | 0.00 | 0.00 | 40.00 |",
		"| pinned | get | 1 | 50 % (500/s) | 500 |", "| yes |",
		"| pinned | get | 1 | 80 % (800/s) | 800 |", "| **no** |",
		"| **invalid**: achieved 87.5 % of the target |", // 700 of 800 req/s: not the server's tail
		"| shared | put | 16 | 80 % (300/s) | 300 |",
		"| pinned | floor: raw gnet, the generator's own tail | 1 | 80 % (800/s) | 800 |",
		"the median of 3 starts is 0.50 s, 2.00M features/s (each: 0.50, 0.40, 2.00 s; replaying the file: 0.45, 0.35, 1.90 s)",
		"![latency-get.png](latency-get.png)", "![connections.png](connections.png)",
		"| get | gnet | 16 | 200 | 500 | 2.50 | 4.0 | 2.0 |",  // binary beside REST
		"| 2.00 | 0 | 0, 0 |",                                 // and beside fasthttp's binary (500 / 250)
		"| put | gnet | 16 | 100 | 200 | 2.00 | 12.0 | 8.0 |", // only successful answers count
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	for _, f := range []string{"report.json", "latency-get.png", "latency-open-loop.png", "connections.png"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestRoundTicks(t *testing.T) {
	f := func(lo, hi float64, want string) {
		t.Helper()
		var got []string
		for _, tk := range roundTicks(lo, hi) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("roundTicks(%g, %g) = %v, want %s", lo, hi, got, want)
		}
	}
	f(0, 11.5, "0 2 4 6 8 10")
	f(0, 197, "0 50 100 150")
	f(0, 3.3, "0 0.5 1 1.5 2 2.5 3")
	f(0, 0, "")
}

func TestOpenLabel(t *testing.T) {
	row := Row{Scenario: "get", Depth: 1, Load: 0.5, Rate: 1000, RPS: 900, Requests: 1000, Non2xx: 20}
	want := "get d1, 50 % load: 900 of 1000 req/s INVALID (short of the target), 2.0 % non-2xx or failed"
	if got := openLabel(row); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestBusy(t *testing.T) {
	if got := busy(Row{RPS: 64592, CPUMicros: 14.2, ServerCPUs: 1}); got < 0.917 || got > 0.918 {
		t.Fatalf("busy %f, want 0.917", got)
	}
	if got := busy(Row{RPS: 1000, CPUMicros: 500, ServerCPUs: 2}); got != 0.25 {
		t.Fatalf("busy %f, want 0.25", got)
	}
	if got := busy(Row{RPS: 1000, CPUMicros: 500}); got != 0 {
		t.Fatalf("busy without the server's CPUs: %f", got)
	}
}

package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// plot draws the latency percentile curves (HDR style: the percentile on a
// log scale of 1/(1-q)) of each scenario on both engines, the open loop's
// curves, and throughput and p99 against connections. It returns the
// files' names.
func (r *report) plot(dir string) ([]string, error) {
	var names []string
	byScenario := map[string][]Row{}
	var order []string
	for _, row := range r.Table {
		if row.Points != r.Table[0].Points {
			continue
		}
		if byScenario[row.Scenario] == nil {
			order = append(order, row.Scenario)
		}
		byScenario[row.Scenario] = append(byScenario[row.Scenario], row)
	}
	for _, sc := range order {
		name := "latency-" + sc + ".png"
		if err := curves(filepath.Join(dir, name), fmt.Sprintf("%s, 50 connections, closed loop", sc), byScenario[sc],
			func(row Row) string { return row.Engine + non2xxText(row) }); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	if open := r.headlineOpen(); len(open) > 0 {
		name := "latency-open-loop.png"
		if err := curves(filepath.Join(dir, name), fmt.Sprintf("open loop at %.0f %% of the maximum, %s", 100*open[0].Load, open[0].Mode), open,
			openLabel); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	if len(r.Conns) > 1 {
		name := "connections.png"
		if err := connsPlot(filepath.Join(dir, name), r.Conns); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

// openLabel names an open-loop curve with its load and the rate achieved
// against the target; a cell that fell short is marked invalid, as in the
// report's table.
func openLabel(row Row) string {
	l := fmt.Sprintf("%s d%d, %.0f %% load: %.0f of %.0f req/s", row.Scenario, row.Depth, 100*row.Load, row.RPS, row.Rate)
	if row.Rate > 0 && row.RPS < 0.99*row.Rate {
		l += " INVALID (short of the target)"
	}
	return l + non2xxText(row)
}

// non2xxText notes the share of answers that were not 2xx, which shape a
// curve (a server that sheds load draws a better tail).
func non2xxText(row Row) string {
	total := float64(row.Requests)
	if row.Non2xx+row.Errors == 0 || total == 0 {
		return ""
	}
	return fmt.Sprintf(", %.1f %% non-2xx or failed", 100*float64(row.Non2xx+row.Errors)/total)
}

// budgetMs is the request budget, drawn on the latency plots.
const budgetMs = 10

// roundTicks are y ticks at 1, 2 or 5 times a power of ten, about six of
// them.
func roundTicks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if span <= 0 {
		return nil
	}
	step := math.Pow(10, math.Floor(math.Log10(span/6)))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= 7 {
			step *= m
			break
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step/1e6; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ts
}

var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
}

// nines maps a percentile to the HDR plot's x: log10(1/(1-q)).
func nines(q float64) float64 { return math.Log10(1 / (1 - math.Min(q, 99.9999)/100)) }

func curves(path, title string, rows []Row, label func(Row) string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency (ms)"
	p.X.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		for _, q := range []float64{0, 90, 99, 99.9, 99.99, 99.999} {
			ts = append(ts, plot.Tick{Value: nines(q), Label: fmt.Sprintf("%g%%", q)})
		}
		return ts
	})
	for i, row := range rows {
		pts := make(plotter.XYs, len(row.Curve))
		for j, c := range row.Curve {
			pts[j] = plotter.XY{X: nines(c[0]), Y: c[1]}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.Color = palette[i%len(palette)]
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(label(row), line)
	}
	// The budget: a dashed red line across the plot, on the y range.
	p.Y.Min = 0
	p.Y.Max = math.Max(p.Y.Max, 1.15*budgetMs)
	budget, err := plotter.NewLine(plotter.XYs{{X: nines(0), Y: budgetMs}, {X: nines(99.9999), Y: budgetMs}})
	if err != nil {
		return err
	}
	budget.Color, budget.Dashes, budget.Width = color.RGBA{200, 0, 0, 255}, []vg.Length{vg.Points(4), vg.Points(3)}, vg.Points(1)
	p.Add(budget)
	p.Legend.Add("the 10 ms budget", budget)
	p.Y.Tick.Marker = plot.TickerFunc(roundTicks)
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	return p.Save(8*vg.Inch, 4.5*vg.Inch, path)
}

func connsPlot(path string, rows []Row) error {
	p := plot.New()
	p.Title.Text = "GET item, gnet: throughput and p99 against connections"
	p.X.Label.Text = "busy connections (log)"
	p.Y.Label.Text = "thousand req/s; p99 ms"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{}
	var rps, p99 plotter.XYs
	for _, row := range rows {
		if row.Idle > 0 {
			continue
		}
		rps = append(rps, plotter.XY{X: float64(row.Conns), Y: row.RPS / 1000})
		p99 = append(p99, plotter.XY{X: float64(row.Conns), Y: row.P99})
	}
	for i, s := range []struct {
		name string
		xy   plotter.XYs
	}{{"k req/s", rps}, {"p99 ms", p99}} {
		line, points, err := plotter.NewLinePoints(s.xy)
		if err != nil {
			return err
		}
		line.Color, points.Color = palette[i], palette[i]
		p.Add(line, points)
		p.Legend.Add(s.name, line)
	}
	p.Add(plotter.NewGrid())
	return p.Save(7*vg.Inch, 4*vg.Inch, path)
}

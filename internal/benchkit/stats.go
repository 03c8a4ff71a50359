package benchkit

import "sort"

// Of picks a figure of a Result.
type Of func(Result) float64

// Figures used across reports.
var (
	RPS  Of = func(r Result) float64 { return r.RPS }
	CPU  Of = func(r Result) float64 { return r.CPUPerReq }
	P50  Of = func(r Result) float64 { return r.P50 }
	P99  Of = func(r Result) float64 { return r.P99 }
	P999 Of = func(r Result) float64 { return r.P999 }
	Max  Of = func(r Result) float64 { return r.Max }
)

// PairedRatio is the median over rounds of f(rs[i]) / f(base[i]): each
// round's figures were taken back to back, under the same background load.
func PairedRatio(rs, base []Result, f Of) float64 {
	var ratios []float64
	for i := range rs {
		if i < len(base) && f(base[i]) > 0 {
			ratios = append(ratios, f(rs[i])/f(base[i]))
		}
	}
	return median(ratios)
}

// MinOf is the least f over the runs.
func MinOf(rs []Result, f Of) float64 {
	m := f(rs[0])
	for _, r := range rs[1:] {
		m = min(m, f(r))
	}
	return m
}

// Median is the median f over the runs.
func Median(rs []Result, f Of) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
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

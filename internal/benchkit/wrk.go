package benchkit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
)

// Result is one measured run.
type Result struct {
	RPS                  float64 // requests per second
	P50, P99, P999, Max  float64 // milliseconds; 0: not measured
	CPUPerReq            float64 // server CPU µs per request
	Requests, Errors     int64   // errors: socket errors and non-2xx/3xx answers
	RSSBefore, RSSAfter  int64   // server resident bytes around the run, when read
	ServerCPUNanoseconds int64   // server CPU over the run
}

// LatencyScript is Lua to append to a wrk script: at the end it prints
// the latency percentiles in microseconds on one line ParseWrk reads
// (wrk itself prints no p99.9).
const LatencyScript = `
done = function(summary, latency, requests)
  io.write(string.format("LATENCY_US p50=%d p99=%d p99.9=%d max=%d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
`

// RawDir, when set, keeps every wrk output, numbered in run order.
var (
	RawDir string
	rawSeq atomic.Int32
)

// RunWrk runs wrk with args under p's client pinning and parses its report;
// name labels the kept raw output.
func RunWrk(p Pinning, name string, args ...string) (Result, error) {
	var out bytes.Buffer
	cmd := p.ClientCmd("wrk", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("wrk %v: %v\n%s", args, err, out.String())
	}
	if RawDir != "" {
		if err := os.MkdirAll(RawDir, 0o755); err == nil {
			file := fmt.Sprintf("%03d-%s.txt", rawSeq.Add(1), strings.NewReplacer(" ", "_", "/", "", ",", "", "×", "x").Replace(name))
			os.WriteFile(filepath.Join(RawDir, file), out.Bytes(), 0o644)
		}
	}
	return ParseWrk(out.String())
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reLatency  = regexp.MustCompile(`(?m)^\s+Latency\s+\S+\s+\S+\s+(\S+)\s+\S+%\s*$`)
	rePct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+(\S+)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSockErr  = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reLatUS    = regexp.MustCompile(`LATENCY_US p50=(\d+) p99=(\d+) p99.9=(\d+) max=(\d+)`)
)

// ParseWrk reads wrk's report, and the LatencyScript line when present
// (which then gives the percentiles, in microseconds).
func ParseWrk(s string) (Result, error) {
	var r Result
	m := reRPS.FindStringSubmatch(s)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output:\n%s", s)
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	if m = reRequests.FindStringSubmatch(s); m != nil {
		r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m = reLatency.FindStringSubmatch(s); m != nil {
		r.Max = Millis(m[1])
	}
	for _, m := range rePct.FindAllStringSubmatch(s, -1) {
		if m[1] == "50" {
			r.P50 = Millis(m[2])
		} else {
			r.P99 = Millis(m[2])
		}
	}
	if m = reLatUS.FindStringSubmatch(s); m != nil {
		us := func(v string) float64 { f, _ := strconv.ParseFloat(v, 64); return f / 1000 }
		r.P50, r.P99, r.P999, r.Max = us(m[1]), us(m[2]), us(m[3]), us(m[4])
	}
	if m = reNon2xx.FindStringSubmatch(s); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.Errors += n
	}
	if m = reSockErr.FindStringSubmatch(s); m != nil {
		for _, v := range m[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			r.Errors += n
		}
	}
	return r, nil
}

// Millis converts wrk's "412.00us", "1.23ms", "2.00s" to milliseconds.
func Millis(v string) float64 {
	for _, u := range []struct {
		suffix string
		scale  float64
	}{{"us", 1e-3}, {"ms", 1}, {"m", 60e3}, {"s", 1e3}} {
		if strings.HasSuffix(v, u.suffix) {
			f, _ := strconv.ParseFloat(strings.TrimSuffix(v, u.suffix), 64)
			return f * u.scale
		}
	}
	return 0
}

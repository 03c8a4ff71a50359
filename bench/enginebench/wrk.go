package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// pipelineScript writes a wrk Lua script that sends wrk.args[1] GETs of the
// URL's path back to back per wrk request.
func pipelineScript() (string, error) {
	f, err := os.CreateTemp("", "pipeline-*.lua")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.WriteString(`init = function(args)
  local depth = tonumber(args[1]) or 1
  local r = {}
  for i = 1, depth do r[i] = wrk.format(nil, wrk.path) end
  req = table.concat(r)
end
request = function() return req end
`)
	return f.Name(), err
}

// runWrk runs wrk for d against addr and parses its report.
func runWrk(addr string, sc scenario, script string, threads int, d time.Duration) (result, error) {
	secs := max(1, int(d.Round(time.Second).Seconds())) // wrk counts whole seconds
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(sc.conns), "-d", fmt.Sprintf("%ds", secs),
		"--latency", "--timeout", "5s"}
	if sc.depth > 1 {
		args = append(args, "-s", script)
	}
	args = append(args, "http://"+addr+"/healthz")
	if sc.depth > 1 {
		args = append(args, "--", strconv.Itoa(sc.depth))
	}
	var out bytes.Buffer
	cmd := pin.clientCmd("wrk", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("wrk %v: %v\n%s", args, err, out.String())
	}
	if rawDir != "" {
		name := fmt.Sprintf("%s/%03d-%s.txt", rawDir, rawSeq.Add(1), strings.NewReplacer(" ", "_", "/", "", ",", "").Replace(sc.name))
		os.WriteFile(name, out.Bytes(), 0o644)
	}
	return parseWrk(out.String())
}

// rawDir, when set, keeps every wrk output, numbered in run order.
var (
	rawDir string
	rawSeq atomic.Int32
)

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reLatency  = regexp.MustCompile(`(?m)^\s+Latency\s+\S+\s+\S+\s+(\S+)\s+\S+%\s*$`)
	rePct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+(\S+)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSockErr  = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func parseWrk(s string) (result, error) {
	var r result
	m := reRPS.FindStringSubmatch(s)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output:\n%s", s)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m = reRequests.FindStringSubmatch(s); m != nil {
		r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m = reLatency.FindStringSubmatch(s); m != nil {
		r.max = millis(m[1])
	}
	for _, m := range rePct.FindAllStringSubmatch(s, -1) {
		if m[1] == "50" {
			r.p50 = millis(m[2])
		} else {
			r.p99 = millis(m[2])
		}
	}
	if m = reNon2xx.FindStringSubmatch(s); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.errors += n
	}
	if m = reSockErr.FindStringSubmatch(s); m != nil {
		for _, v := range m[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			r.errors += n
		}
	}
	return r, nil
}

// millis converts wrk's "412.00us", "1.23ms", "2.00s" to milliseconds.
func millis(v string) float64 {
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

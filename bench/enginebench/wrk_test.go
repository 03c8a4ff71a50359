package main

import "testing"

func TestParseWrk(t *testing.T) {
	out := `Running 5s test @ http://127.0.0.1:40000/healthz
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   512.34us  300.12us  12.50ms   90.00%
    Req/Sec    60.00k     2.00k   70.00k    80.00%
  Latency Distribution
     50%  450.00us
     75%  600.00us
     90%  800.00us
     99%    1.50ms
  600000 requests in 5.00s, 60.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec: 120000.50
Transfer/sec:     12.00MB
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	want := result{rps: 120000.50, p50: 0.45, p99: 1.5, max: 12.5, requests: 600000, errors: 7}
	if r != want {
		t.Fatalf("parseWrk = %+v, want %+v", r, want)
	}
	if _, err := parseWrk("garbage"); err == nil {
		t.Fatal("parseWrk accepted output without Requests/sec")
	}
}

func TestMillis(t *testing.T) {
	f := func(in string, want float64) {
		t.Helper()
		if got := millis(in); got != want {
			t.Fatalf("millis(%q) = %v, want %v", in, got, want)
		}
	}
	f("250.00us", 0.25)
	f("3.00ms", 3)
	f("2.00s", 2000)
	f("1.00m", 60000)
}

func TestPairedRatio(t *testing.T) {
	rs := []result{{cpuPerReq: 10}, {cpuPerReq: 30}, {cpuPerReq: 8}}
	base := []result{{cpuPerReq: 20}, {cpuPerReq: 20}, {cpuPerReq: 10}}
	if got := pairedRatio(rs, base, cpuOf); got != 0.8 { // ratios 0.5, 1.5, 0.8
		t.Fatalf("pairedRatio = %v, want 0.8", got)
	}
	if got := minOf(rs, cpuOf); got != 8 {
		t.Fatalf("minOf = %v, want 8", got)
	}
}

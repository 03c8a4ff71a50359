package benchkit

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
	r, err := ParseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{RPS: 120000.50, P50: 0.45, P99: 1.5, Max: 12.5, Requests: 600000, Errors: 7}
	if r != want {
		t.Fatalf("ParseWrk = %+v, want %+v", r, want)
	}
	if _, err := ParseWrk("garbage"); err == nil {
		t.Fatal("ParseWrk accepted output without Requests/sec")
	}
}

func TestMillis(t *testing.T) {
	f := func(in string, want float64) {
		t.Helper()
		if got := Millis(in); got != want {
			t.Fatalf("Millis(%q) = %v, want %v", in, got, want)
		}
	}
	f("250.00us", 0.25)
	f("3.00ms", 3)
	f("2.00s", 2000)
	f("1.00m", 60000)
}

func TestParseWrkLatencyLine(t *testing.T) {
	r, err := ParseWrk("Requests/sec: 10.0\nLATENCY_US p50=250 p99=1500 p99.9=9000 max=12000\n")
	if err != nil {
		t.Fatal(err)
	}
	if r.P50 != 0.25 || r.P99 != 1.5 || r.P999 != 9 || r.Max != 12 {
		t.Fatalf("%+v", r)
	}
}

func TestPairedRatio(t *testing.T) {
	rs := []Result{{CPUPerReq: 10}, {CPUPerReq: 30}, {CPUPerReq: 8}}
	base := []Result{{CPUPerReq: 20}, {CPUPerReq: 20}, {CPUPerReq: 10}}
	if got := PairedRatio(rs, base, CPU); got != 0.8 { // ratios 0.5, 1.5, 0.8
		t.Fatalf("PairedRatio = %v, want 0.8", got)
	}
	if got := MinOf(rs, CPU); got != 8 {
		t.Fatalf("MinOf = %v, want 8", got)
	}
	if got := Median(rs, CPU); got != 10 {
		t.Fatalf("Median = %v, want 10", got)
	}
}

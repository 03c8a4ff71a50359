package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/errlog"
	"github.com/geometryos/daemon1/internal/testtool"
	"github.com/geometryos/daemon1/server"
)

// serve starts a gnet engine with the health and ops routes, an Observer
// and an error log, on 127.0.0.1:0.
func serve(t *testing.T) (string, *errlog.Log) {
	t.Helper()
	log, err := errlog.Open(errlog.Options{Dir: t.TempDir(), Logf: t.Logf, FlushEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	obs := server.NewObserver(metrics.NewSet())
	obs.AttachLog(log)
	r := server.NewRouter(obs)
	h := NewHealth(nil)
	h.SetReady(true)
	h.Register(r)
	NewOps(obs).Register(r)
	e, err := server.New(r, server.Options{Addr: "127.0.0.1:0", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Drain(2 * time.Second)
		log.Close()
	})
	return "http://" + e.Addr(), log
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestMetricsEndpoint(t *testing.T) {
	base, _ := serve(t)
	for i := 0; i < 3; i++ {
		get(t, base+"/healthz")
	}
	get(t, base+"/no/such/path")
	code, hdr, body := get(t, base+"/metrics")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %s", code, hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		`daemon1_requests_total{route="/healthz",method="GET",status="200"} 3`,
		`daemon1_requests_total{route="unmatched",method="any",status="404"} 1`,
		`daemon1_errors_total{kind="not_found"} 1`,
		`daemon1_request_duration_seconds_count{route="/healthz",method="GET"} 3`,
		`daemon1_requests_in_flight 1`, // this very request
		`daemon1_connections_open `,
		`daemon1_connections_accepted_total `,
		`daemon1_worker_queue_wait_seconds_bucket{le="+Inf"} `,
		`daemon1_errlog_entries_total{outcome="dropped"} 0`,
		`daemon1_pipeline_depth_count `,
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// TestMetricsPassPromtool: Prometheus' own checker must parse the output
// and find nothing to lint: every family has its HELP text and TYPE, and
// its name suits its type.
func TestMetricsPassPromtool(t *testing.T) {
	promtool := testtool.Require(t, "promtool", "prometheus")
	base, _ := serve(t)
	get(t, base+"/healthz")
	get(t, base+"/no/such/path")
	_, _, body := get(t, base+"/metrics")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	for _, want := range []string{
		"# HELP daemon1_requests_total Requests answered",
		"# TYPE daemon1_requests_total counter",
		"# TYPE daemon1_request_duration_seconds histogram",
		"# TYPE daemon1_errlog_entries_total counter",
		"# TYPE go_cgo_calls_total counter",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// A route's statuses appear as it answers them, not before.
	if strings.Contains(body, `route="/healthz",method="GET",status="404"`) {
		t.Errorf("/metrics has a series for a status /healthz never answered")
	}
}

func TestAdminErrors(t *testing.T) {
	base, log := serve(t)
	get(t, base+"/no/such/path")
	get(t, base+"/no/such/path")
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET / HTTP/2.0\r\n\r\n")
	io.Copy(io.Discard, c)
	c.Close()
	for deadline := time.Now().Add(5 * time.Second); log.Stats().Written < 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the log did not drain: %+v", log.Stats())
		}
	}
	code, hdr, body := get(t, base+"/admin/errors")
	if code != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /admin/errors: %d %s", code, hdr.Get("Content-Type"))
	}
	var doc struct {
		Counts map[string]uint64 `json:"counts"`
		Stats  map[string]uint64 `json:"stats"`
		Recent []map[string]any  `json:"recent"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if doc.Counts["not_found"] != 2 || doc.Counts["http_version"] != 1 || doc.Stats["written"] != 3 || len(doc.Recent) != 3 {
		t.Fatalf("got %s", body)
	}
	if doc.Recent[2]["kind"] != "http_version" || doc.Recent[2]["status"] != float64(505) {
		t.Fatalf("newest entry %v, want the 505", doc.Recent[2])
	}
}

// GET /admin/errors?fleet=1 on a single node says it is not in a fleet.
func TestFleetErrorsOnASingleNode(t *testing.T) {
	base, _ := serve(t)
	code, hdr, body := get(t, base+"/admin/errors?fleet=1")
	if code != 404 || hdr.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "single node") {
		t.Fatalf("GET /admin/errors?fleet=1: %d %s %s", code, hdr.Get("Content-Type"), body)
	}
}

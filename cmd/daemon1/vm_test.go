package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/geometryos/daemon1/internal/testtool"
)

// victoriaMetrics starts a real VictoriaMetrics on 127.0.0.1 that scrapes
// target every second, and returns its base URL.
func victoriaMetrics(t *testing.T, target string) string {
	t.Helper()
	bin := testtool.Require(t, "victoria-metrics", "victoria-metrics")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "scrape.yml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`scrape_configs:
  - job_name: daemon1
    scrape_interval: 1s
    static_configs:
      - targets: [%q]
`, target)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-httpListenAddr="+addr, "-storageDataPath="+filepath.Join(dir, "data"),
		"-promscrape.config="+cfg, "-search.latencyOffset=1s", "-retentionPeriod=1d", "-loggerLevel=ERROR")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	waitUntil(t, "VictoriaMetrics to serve", func() bool {
		resp, err := http.Get(base + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return base
}

// query returns the value of the first series of an instant query, or -1.
func query(t *testing.T, base, q string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v %s", q, err, r.Status)
	}
	if len(r.Data.Result) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(r.Data.Result[0].Value[1].(string), 64)
	return v
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestVictoriaMetricsScrapesAndReceivesPushes: a real VictoriaMetrics
// scrapes a running daemon1, which also pushes to it; both paths are read
// back through its query API.
func TestVictoriaMetricsScrapesAndReceivesPushes(t *testing.T) {
	bin := build(t)
	addr := freeAddr(t)
	vm := victoriaMetrics(t, addr)
	_, stop := launch(t, bin, "-listen", addr,
		"-metrics.push.url", vm+"/api/v1/import/prometheus?extra_label=pushed=yes", "-metrics.push.interval", "1s")
	for i := 0; i < 5; i++ {
		if code := get(t, "http://"+addr+"/healthz"); code != 200 {
			t.Fatalf("GET /healthz = %d", code)
		}
	}
	waitUntil(t, "VictoriaMetrics to scrape daemon1 (up == 1)", func() bool {
		return query(t, vm, `up{job="daemon1"}`) == 1
	})
	waitUntil(t, "the scraped request counter", func() bool {
		return query(t, vm, `daemon1_requests_total{job="daemon1",route="/healthz",status="200"}`) >= 5
	})
	waitUntil(t, "the pushed request counter", func() bool {
		return query(t, vm, `daemon1_requests_total{pushed="yes",route="/healthz",status="200"}`) >= 5
	})
	if log, err := stop(); err != nil {
		t.Fatalf("daemon1: %v\n%s", err, log)
	}
}

package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/internal/testtool"
)

func runIn(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// The scrape configuration, the alert rules and their unit tests pass
// Prometheus' own checks.
func TestDeployPrometheus(t *testing.T) {
	promtool := testtool.Require(t, "promtool", "prometheus")
	dir := "../../deploy/prometheus"
	runIn(t, dir, promtool, "check", "config", "prometheus.yml")
	runIn(t, dir, promtool, "check", "rules", "alerts.yml")
	runIn(t, dir, promtool, "test", "rules", "alerts_test.yml")
}

// The systemd unit passes systemd-analyze verify, with its ExecStart
// pointed at a binary that exists here (verify checks that it does).
func TestDeploySystemdUnit(t *testing.T) {
	analyze := testtool.Require(t, "systemd-analyze", "systemd")
	unit, err := os.ReadFile("../../deploy/systemd/daemon1.service")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "ExecStart=/usr/local/bin/daemon1 ") || !strings.Contains(string(unit), "StateDirectory=daemon1") ||
		!strings.Contains(string(unit), "-data-dir /var/lib/daemon1") {
		t.Fatal("the unit no longer runs /usr/local/bin/daemon1 on its StateDirectory: update this test")
	}
	p := filepath.Join(t.TempDir(), "daemon1.service")
	os.WriteFile(p, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/daemon1", build(t))), 0o644)
	runIn(t, t.TempDir(), analyze, "verify", p)
}

// deployMetricRe finds the metric names in the dashboard's and the rules'
// expressions.
var deployMetricRe = regexp.MustCompile(`\b(?:daemon1|go|process)_[a-z0-9_]+\b`)

// Every metric the dashboard and the alert rules use exists in a live
// daemon's /metrics (after a few writes and reads), and that /metrics
// passes promtool with no finding.
func TestDeployMetricsExist(t *testing.T) {
	promtool := testtool.Require(t, "promtool", "prometheus")
	names := map[string][]string{} // name → the files using it
	dash, err := os.ReadFile("../../deploy/grafana/daemon1.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(dash, &d); err != nil {
		t.Fatalf("daemon1.json: %v", err)
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			for _, n := range deployMetricRe.FindAllString(tg.Expr, -1) {
				names[n] = append(names[n], "dashboard: "+p.Title)
			}
		}
	}
	rules, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(rules), "\n") {
		if strings.Contains(line, "summary:") || strings.Contains(line, "description:") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, n := range deployMetricRe.FindAllString(line, -1) {
			names[n] = append(names[n], "alerts.yml")
		}
	}
	if len(names) < 20 {
		t.Fatalf("only %d metric names found in the dashboard and the rules: is the pattern right?", len(names))
	}

	addr, stop := launch(t, build(t))
	defer stop()
	base := "http://" + addr
	c := &http.Client{Timeout: 10 * time.Second}
	for _, r := range [][3]string{
		{"PUT", "/collections/c", ""},
		{"POST", "/collections/c/items", bulkBody("p", 0, 50)},
		{"PUT", "/collections/c/items/x", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`},
		{"GET", "/collections/c/items?limit=5", ""},
		{"GET", "/no/such/path", ""},
	} {
		send(c, r[0], base+r[1], r[2])
	}
	_, body := send(c, "GET", base+"/metrics", "")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	var missing []string
	for n, where := range names {
		if !regexp.MustCompile(`(?m)^` + n + `[{ ]`).Match(body) {
			missing = append(missing, n+" (used by "+strings.Join(where, ", ")+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("metrics the dashboard or the alerts use are not in /metrics:\n%s", strings.Join(missing, "\n"))
	}
}

// The dashboard is generated: scripts/dashboard.py writes what is checked in.
func TestDashboardIsGenerated(t *testing.T) {
	python := testtool.Require(t, "python3", "python3")
	out := filepath.Join(t.TempDir(), "daemon1.json")
	cmd := exec.Command(python, "../../scripts/dashboard.py")
	cmd.Env = append(os.Environ(), "DASHBOARD_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/dashboard.py: %v\n%s", err, b)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile("../../deploy/grafana/daemon1.json")
	if string(got) != string(want) {
		t.Fatal("deploy/grafana/daemon1.json is not what scripts/dashboard.py writes: run python3 scripts/dashboard.py")
	}
}

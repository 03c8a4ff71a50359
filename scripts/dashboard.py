#!/usr/bin/env python3
"""Writes deploy/grafana/daemon1.json, the Grafana dashboard of daemon1.

Edit this file, then run `python3 scripts/dashboard.py`. Every metric an
expression names is checked against a live daemon's /metrics in make test
(cmd/daemon1/deploy_test.go).
"""
import json
import os

DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'instance=~"$instance"'
BUDGET = 0.010  # the default -budget

panels = []
y = 0


def row(title):
    global y
    panels.append({"type": "row", "title": title, "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "id": len(panels) + 1, "panels": []})
    y += 1


def ts(title, desc, targets, unit="short", x=0, w=12, h=8, budget=False, stack=False):
    """A time-series panel; budget draws a red line at the 10 ms budget."""
    global y
    fc = {"unit": unit, "custom": {"lineWidth": 1, "fillOpacity": 10 if stack else 0,
                                    "stacking": {"mode": "normal" if stack else "none"}}}
    if budget:
        fc["thresholds"] = {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                          {"color": "red", "value": BUDGET}]}
        fc["custom"]["thresholdsStyle"] = {"mode": "line"}
    panels.append({
        "type": "timeseries", "title": title, "description": desc, "datasource": DS,
        "id": len(panels) + 1, "gridPos": {"h": h, "w": w, "x": x, "y": y},
        "fieldConfig": {"defaults": fc, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
        "targets": [{"datasource": DS, "expr": e, "legendFormat": l, "refId": chr(65 + i)}
                    for i, (e, l) in enumerate(targets)],
    })
    if x + w >= 24:
        y += h


def q(quantile, by="route, method"):
    return (f'histogram_quantile({quantile}, sum by ({by}, le) '
            f'(rate(daemon1_request_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))')


def p99_p50(histogram):
    """The p99 and p50 of a histogram over the selected instances."""
    return [(f'histogram_quantile({q}, sum by (le) (rate({histogram}_bucket{{{SEL}}}[$__rate_interval])))', name)
            for q, name in ((0.99, "p99"), (0.5, "p50"))]


row("Requests")
ts("Throughput by route", "Requests answered a second, by route and method.",
   [(f'sum by (route, method) (rate(daemon1_requests_total{{{SEL}}}[$__rate_interval]))', "{{method}} {{route}}")],
   unit="reqps", stack=True)
ts("Answers by status", "Requests answered a second, by status: 503s are load shed, 4xx the clients' mistakes.",
   [(f'sum by (status) (rate(daemon1_requests_total{{{SEL}}}[$__rate_interval]))', "{{status}}")],
   unit="reqps", x=12, stack=True)
ts("p99.9 latency by route", "From a request's last byte read to its answer written. The red line is the 10 ms budget "
   "(POST …/items, a bulk insert, has -bulk-budget).",
   [(q(0.999), "{{method}} {{route}}")], unit="s", budget=True)
ts("Latency percentiles, all routes", "p50, p99 and p99.9 over every route but the operators' ones.",
   [(q(0.5, "instance").replace(SEL, SEL + ',route!~"/metrics|/admin/.*"'), "p50 {{instance}}"),
    (q(0.99, "instance").replace(SEL, SEL + ',route!~"/metrics|/admin/.*"'), "p99 {{instance}}"),
    (q(0.999, "instance").replace(SEL, SEL + ',route!~"/metrics|/admin/.*"'), "p99.9 {{instance}}")],
   unit="s", x=12, budget=True)
ts("Late, refused and cut", "Answers sent after their budget (their true answer, late); requests refused 503 before "
   "they started for want of capacity; reads whose page the budget cut short (a 200 with a next link).",
   [(f'sum by (route, method) (rate(daemon1_budget_overruns_total{{{SEL}}}[$__rate_interval]))', "late {{method}} {{route}}"),
    (f'sum by (route, method) (rate(daemon1_requests_refused_total{{{SEL}}}[$__rate_interval]))', "refused {{method}} {{route}}"),
    (f'sum by (route, method) (rate(daemon1_pages_cut_total{{{SEL}}}[$__rate_interval]))', "cut {{method}} {{route}}")], unit="reqps")
ts("Errors by kind", "Every error counted by kind (the error log's kinds), logged or not.",
   [(f'sum by (kind) (rate(daemon1_errors_total{{{SEL}}}[$__rate_interval])) > 0', "{{kind}}")], unit="ops", x=12)

row("Engine")
ts("Worker queue wait", "How long requests that run on workers (disk, large scans) waited for one.",
   p99_p50("daemon1_worker_queue_wait_seconds"), unit="s", budget=True)
ts("Connections and requests in flight", "Connections open, accepted and refused a second; requests read and not yet answered.",
   [(f'sum(daemon1_connections_open{{{SEL}}})', "open"),
    (f'sum(daemon1_requests_in_flight{{{SEL}}})', "requests in flight"),
    (f'sum(rate(daemon1_connections_accepted_total{{{SEL}}}[$__rate_interval]))', "accepted/s"),
    (f'sum by (reason) (rate(daemon1_connections_refused_total{{{SEL}}}[$__rate_interval]))', "refused/s {{reason}}")], x=12)
ts("Pipeline depth", "Requests of one connection in progress at once (pipelined HTTP, binary protocol).",
   p99_p50("daemon1_pipeline_depth"))
ts("CPU and memory", "Process CPU (cores) and resident memory.",
   [(f'rate(process_cpu_seconds_total{{{SEL}}}[$__rate_interval])', "CPU cores {{instance}}"),
    (f'process_resident_memory_bytes{{{SEL}}} / 2^30', "RSS GiB {{instance}}"),
    (f'go_goroutines{{{SEL}}} / 1000', "goroutines (thousands) {{instance}}")], x=12)

row("Durability")
ts("fsync latency", "Time each fsync of the append-only file took; under -fsync always a write waits for one (group-committed).",
   p99_p50("daemon1_aof_fsync_seconds"), unit="s", budget=True)
ts("Writes per fsync", "Writes committed per fsync: how well group commit shares each fsync.",
   [(f'sum(rate(daemon1_aof_records_total{{{SEL}}}[$__rate_interval])) / sum(rate(daemon1_aof_fsync_seconds_count{{{SEL}}}[$__rate_interval]))', "writes per fsync"),
    (f'sum(rate(daemon1_aof_records_total{{{SEL}}}[$__rate_interval]))', "writes/s")], x=12)
ts("Append-only file and disk", "The file's size (it is compacted when it doubles), and the room left on the data directory's file system.",
   [(f'daemon1_aof_size_bytes{{{SEL}}}', "file {{instance}}"),
    (f'daemon1_data_dir_available_bytes{{{SEL}}}', "available {{instance}}")], unit="bytes")
ts("Store", "Features and collections held; 1s mark a store loading at start-up or refusing writes.",
   [(f'daemon1_store_features{{{SEL}}}', "features {{instance}}"),
    (f'daemon1_store_collections{{{SEL}}}', "collections {{instance}}"),
    (f'daemon1_store_replaying{{{SEL}}}', "replaying {{instance}}"),
    (f'daemon1_store_read_only{{{SEL}}}', "read-only {{instance}}")], x=12)
ts("Start-up replay", "How long the last start-up replay took and how many records it read.",
   [(f'daemon1_aof_replay_seconds{{{SEL}}}', "seconds {{instance}}"),
    (f'daemon1_aof_replay_records{{{SEL}}} / 1e6', "records (millions) {{instance}}")])
ts("Error log", "Entries written to, dropped from (ring buffer full) and failed by (disk refused) the error log, a second.",
   [(f'sum by (outcome) (rate(daemon1_errlog_entries_total{{{SEL}}}[$__rate_interval]))', "{{outcome}}"),
    (f'sum(rate(daemon1_errors_unlogged_total{{{SEL}}}[$__rate_interval]))', "counted, not logged (rate limit)")],
   unit="ops", x=12)

dashboard = {
    "title": "daemon1", "uid": "daemon1", "tags": ["daemon1", "geometry-os"], "timezone": "utc",
    "schemaVersion": 39, "version": 1, "editable": True, "refresh": "30s",
    "time": {"from": "now-1h", "to": "now"},
    "description": "daemon1, Geometry OS's spatial request daemon: throughput, latency against the 10 ms budget, "
                   "load shedding, errors, the engine and durability. Metrics: docs/operations.md.",
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "current": {}},
        {"name": "instance", "label": "Instance", "type": "query", "datasource": DS,
         "query": {"query": "label_values(daemon1_build_info, instance)", "refId": "instance"},
         "definition": "label_values(daemon1_build_info, instance)",
         "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "refresh": 2},
    ]},
    "annotations": {"list": []},
    "panels": panels,
}

out = os.environ.get("DASHBOARD_OUT") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "deploy", "grafana", "daemon1.json")
with open(out, "w") as f:
    json.dump(dashboard, f, indent=1, ensure_ascii=False)
    f.write("\n")

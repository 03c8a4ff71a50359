package api

import (
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/errlog"
	"github.com/geometryos/daemon1/server"
	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"
)

// Ops serves the operators' endpoints: GET /metrics (Prometheus text format:
// the daemon's metrics, then Go runtime and process metrics) and GET
// /admin/errors (the newest error-log entries and counts by kind).
type Ops struct {
	obs *server.Observer
}

// NewOps serves the metrics and error log of obs.
func NewOps(obs *server.Observer) *Ops { return &Ops{obs: obs} }

// OpsBudget is the budget of the operators' endpoints: a scraper would
// rather have its metrics late than a 503.
const OpsBudget = 5 * time.Second

// Register adds the routes to r. Both format much text, so they run on
// workers, off the event loops.
func (o *Ops) Register(r *server.Router) {
	r.Handle("GET", "/metrics", server.Worker, o.metrics).Budget = OpsBudget
	r.Handle("GET", "/admin/errors", server.Worker, o.errors).Budget = OpsBudget
}

func (o *Ops) metrics(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	o.obs.Set().WritePrometheus(ctx)
	metrics.WriteProcessMetrics(ctx)
}

// errorsDoc is the body of GET /admin/errors.
type errorsDoc struct {
	Counts map[string]uint64 `json:"counts"`
	Stats  statsDoc          `json:"stats"`
	Recent []json.RawMessage `json:"recent"`
}

type statsDoc struct {
	Produced uint64 `json:"produced"`
	Written  uint64 `json:"written"`
	Dropped  uint64 `json:"dropped"`
	Failed   uint64 `json:"failed"`
}

func (o *Ops) errors(ctx *fasthttp.RequestCtx) {
	log := o.obs.Log()
	var snap errlog.Snapshot
	if log != nil {
		snap = log.Snapshot()
	}
	doc := errorsDoc{Counts: snap.Counts, Recent: make([]json.RawMessage, 0, len(snap.Recent)),
		Stats: statsDoc{snap.Stats.Produced, snap.Stats.Written, snap.Stats.Dropped, snap.Stats.Failed}}
	if doc.Counts == nil {
		doc.Counts = map[string]uint64{}
	}
	for _, r := range snap.Recent {
		doc.Recent = append(doc.Recent, r)
	}
	b, err := json.Marshal(&doc)
	if err != nil {
		server.Fail(ctx, err)
		return
	}
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(b)
}

package api

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/errlog"
	"github.com/geometryos/daemon1/internal/promtext"
	"github.com/geometryos/daemon1/server"
	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"
)

// Ops serves the operators' endpoints: GET /metrics (Prometheus text format:
// the daemon's metrics, then Go runtime and process metrics) and GET
// /admin/errors (the newest error-log entries and counts by kind).
type Ops struct {
	obs   *server.Observer
	fleet atomic.Pointer[FleetErrors]

	admin, scrape *Auth // the token /admin/* and /metrics need; nil: none
}

// Protect has /admin/* need auth's token (its entries name client
// addresses and request targets), and /metrics too if metrics is set.
// Call it before Register.
func (o *Ops) Protect(auth *Auth, metrics bool) {
	o.admin = auth
	if metrics {
		o.scrape = auth
	}
}

// FleetErrors reads the newest entries of every fleet node's error log,
// oldest first (fleet.Node.RecentErrors).
type FleetErrors func(ctx context.Context, limit int) ([]json.RawMessage, error)

// SetFleet has GET /admin/errors?fleet=1 answer from f.
func (o *Ops) SetFleet(f FleetErrors) { o.fleet.Store(&f) }

// fleetRecent is how many of the fleet's newest error entries
// /admin/errors?fleet=1 returns.
const fleetRecent = 200

// NewOps serves the metrics and error log of obs. It turns on
// VictoriaMetrics/metrics' HELP and TYPE lines (metrics.ExposeMetadata, a
// switch of the whole process), which /metrics completes with the texts of
// metricFamilies.
func NewOps(obs *server.Observer) *Ops {
	metrics.ExposeMetadata(true)
	return &Ops{obs: obs}
}

// OpsBudget is the budget of the operators' endpoints: a scraper would
// rather have its metrics late than a 503.
const OpsBudget = 5 * time.Second

// Register adds the routes to r. Both format much text, so they run on
// workers, off the event loops.
func (o *Ops) Register(r *server.Router) {
	r.Handle("GET", "/metrics", server.Worker, guard(o.scrape, o.metrics)).Budget = OpsBudget
	rt := r.Handle("GET", "/admin/errors", server.Worker, guard(o.admin, o.errors))
	rt.Budget, rt.Params = OpsBudget, []string{"fleet"}
}

// guard runs h if the request carries auth's token (any request, for a nil
// auth).
func guard(auth *Auth, h fasthttp.RequestHandler) fasthttp.RequestHandler {
	if auth == nil {
		return h
	}
	return func(ctx *fasthttp.RequestCtx) {
		if auth.allowed(ctx) {
			h(ctx)
		}
	}
}

func (o *Ops) metrics(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	b := expositions.Get().(*exposition)
	defer expositions.Put(b)
	b.raw.Reset()
	o.obs.Set().WritePrometheus(&b.raw)
	metrics.WriteProcessMetrics(&b.raw)
	b.out, _ = promtext.Annotate(b.out[:0], b.raw.Bytes(), metricFamilies)
	ctx.Write(b.out)
}

// exposition is /metrics as written by VictoriaMetrics/metrics (raw) and
// with its metadata completed (out): a scrape writes some hundred
// kilobytes, so the buffers are kept between scrapes.
type exposition struct {
	raw bytes.Buffer
	out []byte
}

var expositions = sync.Pool{New: func() any { return new(exposition) }}

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
	if ctx.QueryArgs().GetBool("fleet") {
		o.fleetErrors(ctx)
		return
	}
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
	noStoreJSON(ctx, &doc)
}

// noStoreJSON answers v as JSON, not to be cached.
func noStoreJSON(ctx *fasthttp.RequestCtx, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		server.Fail(ctx, err)
		return
	}
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(b)
}

// fleetErrorsDoc is the body of GET /admin/errors?fleet=1.
type fleetErrorsDoc struct {
	Recent []json.RawMessage `json:"recent"`
}

// fleetErrors answers the newest entries of every node's error log, each
// naming its node, from the fleet's error stream.
func (o *Ops) fleetErrors(ctx *fasthttp.RequestCtx) {
	f := o.fleet.Load()
	if f == nil {
		server.WriteProblem(ctx, fasthttp.StatusNotFound, server.ProblemNotFound,
			"this daemon1 is a single node, not part of a fleet (-fleet-node): GET /admin/errors has its errors")
		return
	}
	c, cancel := context.WithDeadline(context.Background(), server.Deadline(ctx))
	defer cancel()
	recent, err := (*f)(c, fleetRecent)
	if err != nil {
		ctx.Response.Header.Set("Retry-After", "1")
		server.WriteProblem(ctx, fasthttp.StatusServiceUnavailable, ProblemUnavailable,
			"the fleet's error stream cannot be read now: "+err.Error())
		return
	}
	noStoreJSON(ctx, &fleetErrorsDoc{Recent: recent})
}

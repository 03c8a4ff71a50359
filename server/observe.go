package server

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/errlog"
	"github.com/geometryos/daemon1/retry"
)

// Observer counts and logs what the engines do: requests by route, method
// and status, latency histograms by route, budget overruns, queue waits,
// errors by kind, into a metrics.Set (served at GET /metrics) and an error
// log. Every metric a request touches exists before the first request,
// except a route's count of a status, made the first time the route answers
// it: updating them allocates nothing after that.
type Observer struct {
	set *metrics.Set
	log atomic.Pointer[errlog.Log] // nil: no error log

	unmatched, rejected *routeMetrics // 404/405/501/OPTIONS; framing errors

	accepts       *metrics.Counter
	acceptErrors  *metrics.Counter // accept failed (descriptors ran out, …)
	connsShed     *metrics.Counter // accepted only to be told 503 for want of descriptors
	refusedMax    *metrics.Counter // closed at accept: MaxConns reached
	refusedPerIP  *metrics.Counter // closed at accept: MaxConnsPerIP reached
	poolFull      *metrics.Counter
	queueWait     *metrics.PrometheusHistogram
	pipelineDepth *metrics.PrometheusHistogram
	errors        map[string]*metrics.Counter // by kind, all known kinds
	samplers      map[string]*sampler         // by kind: the error log's rate limit
	errorRate     int64                       // entries of one kind logged a second

	// For the periodic summary line.
	requests, serverErrors, overruns atomic.Uint64
	lastBuckets                      []uint64 // cumulative latency buckets at the last summary
}

// latencyBounds are the request-latency buckets, dense around the 10 ms
// budget.
var latencyBounds = []float64{50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2e-3, 3e-3, 5e-3, 7.5e-3, 10e-3, 15e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1}

// knownStatuses get their own series; others count as status="other".
var knownStatuses = [...]int{100, 200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 406, 408, 409, 412, 413, 414, 415, 417, 422, 429, 431, 500, 501, 502, 503, 505, 507}

var statusIndex = func() (idx [600]uint8) {
	for i := range idx {
		idx[i] = uint8(len(knownStatuses)) // "other"
	}
	for i, s := range knownStatuses {
		idx[s] = uint8(i)
	}
	return idx
}()

// Error kinds: stable words used in the error log and daemon1_errors_total.
const (
	KindBadRequest     = "bad_request"
	KindBadParameter   = "invalid_parameter"
	KindNotFound       = "not_found"
	KindMethod         = "method_not_allowed"
	KindRequestTimeout = "request_timeout"
	KindTooLarge       = "payload_too_large"
	KindURITooLong     = "uri_too_long"
	KindExpectation    = "expectation_failed"
	KindHeaderTooLarge = "header_too_large"
	KindInternal       = "internal"
	KindPanic          = "panic"
	KindNotImplemented = "not_implemented"
	KindOverloaded     = "overloaded"
	KindHTTPVersion    = "http_version"
	KindBudgetOverrun  = "budget_overrun"
	KindClientError    = "client_error" // a 4xx with no kind of its own
	KindServerError    = "server_error" // a 5xx with no kind of its own
)

var knownKinds = []string{KindBadRequest, KindBadParameter, KindNotFound, KindMethod, KindRequestTimeout, KindTooLarge,
	KindURITooLong, KindExpectation, KindHeaderTooLarge, KindInternal, KindPanic, KindNotImplemented,
	KindOverloaded, KindHTTPVersion, KindBudgetOverrun, KindClientError, KindServerError, KindLogSampled}

// RegisterKind adds an error kind of a package beyond the engine (e.g. the
// store's "aof_write"), so that counting it allocates nothing. Call it
// before serving.
func (o *Observer) RegisterKind(kind string) {
	if o.errors[kind] == nil {
		o.errors[kind] = o.set.GetOrCreateCounter(fmt.Sprintf("daemon1_errors_total{kind=%q}", kind))
		o.samplers[kind] = &sampler{unlogged: o.set.GetOrCreateCounter(fmt.Sprintf("daemon1_errors_unlogged_total{kind=%q}", kind))}
	}
}

// NewObserver registers the engine's metrics in set. Errors are counted;
// they are logged too once AttachLog has been called.
func NewObserver(set *metrics.Set) *Observer {
	o := &Observer{set: set, errors: map[string]*metrics.Counter{}, samplers: map[string]*sampler{},
		errorRate: DefaultErrorsPerSecond}
	o.accepts = set.NewCounter("daemon1_connections_accepted_total")
	o.acceptErrors = set.NewCounter("daemon1_accept_errors_total")
	o.connsShed = set.NewCounter("daemon1_connections_shed_total")
	o.refusedMax = set.NewCounter(`daemon1_connections_refused_total{reason="max_conns"}`)
	o.refusedPerIP = set.NewCounter(`daemon1_connections_refused_total{reason="max_conns_per_ip"}`)
	o.poolFull = set.NewCounter("daemon1_worker_pool_full_total")
	o.queueWait = set.NewPrometheusHistogramExt("daemon1_worker_queue_wait_seconds", latencyBounds)
	o.pipelineDepth = set.NewPrometheusHistogramExt("daemon1_pipeline_depth", []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})
	for _, k := range knownKinds {
		o.RegisterKind(k)
	}
	o.unmatched = o.newRouteMetrics("", "unmatched")
	o.rejected = o.newRouteMetrics("", "rejected")
	return o
}

// AttachLog makes o log errors to log and export its counters. Call it once,
// before serving. (The log may already use o's RetryHooks.)
func (o *Observer) AttachLog(log *errlog.Log) {
	o.log.Store(log)
	o.set.RegisterMetricsWriter(func(w io.Writer) {
		st := log.Stats()
		metrics.WriteCounterUint64(w, `daemon1_errlog_entries_total{outcome="written"}`, st.Written)
		metrics.WriteCounterUint64(w, `daemon1_errlog_entries_total{outcome="dropped"}`, st.Dropped)
		metrics.WriteCounterUint64(w, `daemon1_errlog_entries_total{outcome="failed"}`, st.Failed)
	})
}

// RetryHooks count retries by operation and outcome
// (daemon1_retries_total, daemon1_retry_outcomes_total) and log every
// operation that did not succeed in the end under the operation's name as
// its kind.
func (o *Observer) RetryHooks() retry.Hooks {
	return retry.Hooks{
		OnRetry: func(op *retry.Op, _ int, _ error, _ time.Duration) {
			o.set.GetOrCreateCounter(fmt.Sprintf("daemon1_retries_total{op=%q}", op.Name)).Inc()
		},
		OnDone: func(op *retry.Op, outcome retry.Outcome, attempts int, err error) {
			o.set.GetOrCreateCounter(fmt.Sprintf("daemon1_retry_outcomes_total{op=%q,outcome=%q}", op.Name, outcome)).Inc()
			if outcome != retry.Succeeded {
				o.logError(&errlog.Entry{Kind: op.Name, Err: err,
					Message: fmt.Sprintf("%s failed after %d attempts (%s)", op.Name, attempts, outcome)})
			}
		},
	}
}

// Set is where the metrics live.
func (o *Observer) Set() *metrics.Set { return o.set }

// Log is the error log, or nil.
func (o *Observer) Log() *errlog.Log { return o.log.Load() }

// routeMetrics are one route's series.
type routeMetrics struct {
	obs    *Observer
	route  string
	method string
	labels string // route="…",method="…"
	// byStatus are made as a status is first answered: a route that can
	// never answer 417 has no series for it.
	byStatus [len(knownStatuses) + 1]atomic.Pointer[metrics.Counter]
	latency  *metrics.PrometheusHistogram
	overruns *metrics.Counter
	refused  *metrics.Counter
	cut      *metrics.Counter
}

func (o *Observer) newRouteMetrics(method, route string) *routeMetrics {
	if method == "" {
		method = "any"
	}
	labels := fmt.Sprintf("route=%q,method=%q", route, method)
	rm := &routeMetrics{obs: o, route: route, method: method, labels: labels}
	rm.latency = o.set.NewPrometheusHistogramExt("daemon1_request_duration_seconds{"+labels+"}", latencyBounds)
	rm.overruns = o.set.NewCounter("daemon1_budget_overruns_total{" + labels + "}")
	rm.refused = o.set.NewCounter("daemon1_requests_refused_total{" + labels + "}")
	rm.cut = o.set.NewCounter("daemon1_pages_cut_total{" + labels + "}")
	return rm
}

// outcome counts what the budget model tells apart (docs/api.md): a
// request refused before it started, for want of capacity (a 503 of the
// overloaded kind), and a read whose page its budget cut short. A late
// answer is counted as an overrun once written.
func (rm *routeMetrics) outcome(m *meta, status int) {
	switch {
	case status == 503 && m.kind == KindOverloaded:
		rm.refused.Inc()
	case m.cut:
		rm.cut.Inc()
	}
}

// done records one answered request: its status and how long it took from
// its last byte read to its response written.
func (rm *routeMetrics) done(status int, took time.Duration) {
	if status < 0 || status >= len(statusIndex) {
		status = 0 // an index of "other"
	}
	rm.statusCounter(statusIndex[status]).Inc()
	secs := took.Seconds()
	rm.latency.Update(secs)
	o := rm.obs
	o.requests.Add(1)
	if status >= 500 {
		o.serverErrors.Add(1)
	}
}

// statusCounter returns the series of the i-th known status (or "other"),
// made on first use: that allocates once per route and status.
func (rm *routeMetrics) statusCounter(i uint8) *metrics.Counter {
	if c := rm.byStatus[i].Load(); c != nil {
		return c
	}
	status := "other"
	if int(i) < len(knownStatuses) {
		status = strconv.Itoa(knownStatuses[i])
	}
	c := rm.obs.set.GetOrCreateCounter(fmt.Sprintf("daemon1_requests_total{%s,status=%q}", rm.labels, status))
	rm.byStatus[i].Store(c)
	return c
}

// overrun counts a request that missed its budget.
func (rm *routeMetrics) overrun() {
	rm.overruns.Inc()
	rm.obs.overruns.Add(1)
}

// logError counts e by kind and puts it into the error log.
func (o *Observer) logError(e *errlog.Entry) {
	c := o.errors[e.Kind]
	if c == nil { // a kind not registered up front: rare, so allocating is fine
		c = o.set.GetOrCreateCounter(fmt.Sprintf("daemon1_errors_total{kind=%q}", e.Kind))
	}
	c.Inc()
	if log := o.log.Load(); log != nil {
		o.putSampled(log, e)
	}
}

// Summary is one reporting period's figures.
type Summary struct {
	Requests     uint64
	ServerErrors uint64
	Overruns     uint64
	// P99 is the upper bound of the latency bucket holding the 99th
	// percentile (latencyBounds): "p99 ≤ P99". Infinite: past the last.
	P99 time.Duration
}

// TakeSummary returns the figures since the last call and starts a new
// period. It reads the p99 from the routes' latency histograms as exposed,
// so the summary costs requests nothing. Call it from one goroutine.
func (o *Observer) TakeSummary() Summary {
	s := Summary{Requests: o.requests.Swap(0), ServerErrors: o.serverErrors.Swap(0), Overruns: o.overruns.Swap(0)}
	buckets := o.latencyBuckets()
	delta := make([]uint64, len(buckets))
	for i := range buckets {
		delta[i] = buckets[i]
		if i < len(o.lastBuckets) {
			delta[i] -= o.lastBuckets[i]
		}
	}
	o.lastBuckets = buckets
	s.P99 = p99(delta)
	return s
}

// latencyBuckets sums every route's cumulative latency buckets, one per
// latencyBounds entry and a last one for +Inf.
func (o *Observer) latencyBuckets() []uint64 {
	var b bytes.Buffer
	o.set.WritePrometheus(&b)
	sums := make([]uint64, len(latencyBounds)+1)
	const prefix = "daemon1_request_duration_seconds_bucket{"
	for _, line := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		i := strings.Index(line, `le="`)
		j := strings.LastIndexByte(line, ' ')
		if i < 0 || j < i {
			continue
		}
		le := line[i+4 : i+4+strings.IndexByte(line[i+4:], '"')]
		n, err := strconv.ParseUint(line[j+1:], 10, 64)
		if err != nil {
			continue
		}
		k := len(latencyBounds) // +Inf
		if le != "+Inf" {
			v, err := strconv.ParseFloat(le, 64)
			if err != nil {
				continue
			}
			k = sort.SearchFloat64s(latencyBounds, v)
		}
		if k < len(sums) {
			sums[k] += n
		}
	}
	return sums
}

// p99 finds the first cumulative bucket holding 99% of the total.
func p99(cumulative []uint64) time.Duration {
	total := cumulative[len(cumulative)-1]
	if total == 0 {
		return 0
	}
	want := (total*99 + 99) / 100
	for i, n := range cumulative[:len(cumulative)-1] {
		if n >= want {
			return time.Duration(latencyBounds[i] * float64(time.Second))
		}
	}
	return time.Duration(math.MaxInt64)
}

// Line formats s for the process log, over a period of d.
func (s Summary) Line(d time.Duration) string {
	p99 := "≤ " + s.P99.String()
	if s.P99 == time.Duration(math.MaxInt64) {
		p99 = fmt.Sprintf("> %gs", latencyBounds[len(latencyBounds)-1])
	}
	return fmt.Sprintf("last %s: %.0f req/s, p99 %s, %d server errors, %d budget overruns",
		d, float64(s.Requests)/d.Seconds(), p99, s.ServerErrors, s.Overruns)
}

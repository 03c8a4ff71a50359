package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Scenario makes requests: Append appends one whole HTTP/1.1 request to dst
// (its path and body may depend on rng).
type Scenario interface {
	Append(dst []byte, rng *rand.Rand) []byte
}

// ScenarioFunc is a Scenario from a function.
type ScenarioFunc func(dst []byte, rng *rand.Rand) []byte

// Append calls f.
func (f ScenarioFunc) Append(dst []byte, rng *rand.Rand) []byte { return f(dst, rng) }

// Config is one run.
type Config struct {
	Addr     string // host:port; loopback only
	Conns    int    // busy connections
	Idle     int    // connections opened and held without a request
	Depth    int    // requests in flight per connection (open loop: at most); 1 if 0
	Duration time.Duration
	Requests int64   // stop after this many too (0: the duration alone)
	Rate     float64 // open loop: requests per second over all connections; 0: closed loop
	Scenario Scenario
	Seed     uint64
	Timeout  time.Duration // for one response; 5 s if 0
	// Progress, if set, gets a line a second: elapsed, req/s, errors, p99.
	Progress io.Writer
}

// Result is what a run measured.
type Result struct {
	Requests int64                   // answered
	Errors   int64                   // transport failures and malformed responses
	Statuses map[int]int64           // answered, by status
	Elapsed  time.Duration           // from the first request to the end
	Latency  *hdrhistogram.Histogram // microseconds
	Rate     float64                 // the open loop's target; 0: closed loop
}

// RPS is the throughput.
func (r *Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Non2xx counts answers outside 200–299.
func (r *Result) Non2xx() int64 {
	var n int64
	for s, c := range r.Statuses {
		if s < 200 || s > 299 {
			n += c
		}
	}
	return n
}

// Percentile is the latency at q (0–100).
func (r *Result) Percentile(q float64) time.Duration {
	return time.Duration(r.Latency.ValueAtQuantile(q)) * time.Microsecond
}

// Max is the largest latency.
func (r *Result) Max() time.Duration { return time.Duration(r.Latency.Max()) * time.Microsecond }

const maxLatencyMicros = 60_000_000

// shard is a histogram shared by a few connections: HDR histograms are
// large (~400 KB), so thousands of connections share 16.
type shard struct {
	mu   sync.Mutex
	hist *hdrhistogram.Histogram
}

func (s *shard) record(d time.Duration) {
	us := min(max(d.Microseconds(), 1), maxLatencyMicros)
	s.mu.Lock()
	s.hist.RecordValue(us)
	s.mu.Unlock()
}

// run is the state of one Run.
type run struct {
	cfg      Config
	start    time.Time
	deadline time.Time
	sent     atomic.Int64 // requests started, against cfg.Requests
	done     atomic.Int64
	errors   atomic.Int64
	shards   []*shard
	statusMu sync.Mutex
	statuses map[int]int64
	binary   bool // the scenario speaks the binary protocol
}

// Run makes the load of cfg and returns what it measured.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := checkLoopback(cfg.Addr); err != nil {
		return nil, err
	}
	if cfg.Conns < 1 || cfg.Duration <= 0 && cfg.Requests <= 0 {
		return nil, errors.New("loadgen: need at least one connection and a duration or a count")
	}
	if cfg.Depth < 1 {
		cfg.Depth = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Duration <= 0 {
		cfg.Duration = time.Hour // bounded by the count
	}
	r := &run{cfg: cfg, statuses: map[int]int64{}, binary: isBinary(cfg.Scenario)}
	for i := 0; i < min(cfg.Conns, 16); i++ {
		r.shards = append(r.shards, &shard{hist: hdrhistogram.New(1, maxLatencyMicros, 3)})
	}
	idle, err := dialIdle(cfg.Addr, cfg.Idle)
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	if err != nil {
		return nil, err
	}
	conns := make([]net.Conn, cfg.Conns)
	for i := range conns {
		if conns[i], err = r.dial(); err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return nil, fmt.Errorf("loadgen: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.start = time.Now()
	r.deadline = r.start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if cfg.Rate > 0 && cfg.Depth > 1 {
				r.openPipelined(ctx, i, c)
				return
			}
			r.conn(ctx, i, c)
		}()
	}
	stopProgress := r.progress()
	wg.Wait()
	stopProgress()
	res := &Result{Requests: r.done.Load(), Errors: r.errors.Load(), Statuses: r.statuses,
		Elapsed: time.Since(r.start), Latency: hdrhistogram.New(1, maxLatencyMicros, 3), Rate: cfg.Rate}
	for _, s := range r.shards {
		res.Latency.Merge(s.hist)
	}
	return res, nil
}

// more reports whether the run goes on, and takes n requests from the count.
func (r *run) more(ctx context.Context, now time.Time, n int) bool {
	if ctx.Err() != nil || !now.Before(r.deadline) {
		return false
	}
	return r.cfg.Requests <= 0 || r.sent.Add(int64(n)) <= r.cfg.Requests
}

// conn drives one connection until the run ends.
func (r *run) conn(ctx context.Context, i int, c net.Conn) {
	defer func() {
		if c != nil { // nil when a redial failed
			c.Close()
		}
	}()
	rng := rand.New(rand.NewPCG(r.cfg.Seed, uint64(i)))
	sh := r.shards[i%len(r.shards)]
	br := bufio.NewReaderSize(c, 64<<10)
	var wbuf []byte
	sentAt := make([]time.Time, r.cfg.Depth)
	var interval time.Duration
	var due time.Time
	if r.cfg.Rate > 0 {
		perConn := r.cfg.Rate / float64(r.cfg.Conns)
		interval = time.Duration(float64(time.Second) / perConn)
		due = r.start.Add(time.Duration(rng.Int64N(int64(interval) + 1))) // spread the connections' phases
	}
	for {
		now := time.Now()
		if interval > 0 {
			if wait := due.Sub(now); wait > 0 {
				time.Sleep(wait)
				now = time.Now()
			}
		}
		if !r.more(ctx, now, r.cfg.Depth) {
			return
		}
		wbuf = wbuf[:0]
		for k := range sentAt {
			wbuf = r.cfg.Scenario.Append(wbuf, rng)
			sentAt[k] = now
		}
		if interval > 0 {
			// Latency counts from when the request was due, not from when
			// a busy connection got round to sending it.
			sentAt[0] = due
			due = due.Add(interval)
		}
		c.SetDeadline(now.Add(r.cfg.Timeout))
		if _, err := c.Write(wbuf); err != nil {
			r.fail(ctx)
			if c = r.redial(); c == nil {
				return
			}
			br.Reset(c)
			continue
		}
		closing := false
		for k := range sentAt {
			status, cl, err := r.readAnswer(br)
			if err != nil {
				r.fail(ctx)
				closing = true
				break
			}
			sh.record(time.Since(sentAt[k]))
			r.done.Add(1)
			r.status(status)
			closing = closing || cl
		}
		if closing {
			c.Close()
			if c = r.redial(); c == nil {
				return
			}
			br.Reset(c)
		}
	}
}

func (r *run) fail(ctx context.Context) {
	if ctx.Err() == nil && time.Now().Before(r.deadline) {
		r.errors.Add(1)
	}
}

func (r *run) redial() net.Conn {
	if time.Now().After(r.deadline) {
		return nil
	}
	c, err := r.dial()
	if err != nil {
		r.errors.Add(1)
		return nil
	}
	return c
}

func (r *run) status(s int) {
	r.statusMu.Lock()
	r.statuses[s]++
	r.statusMu.Unlock()
}

// dialIdle opens n connections that send nothing.
func dialIdle(addr string, n int) ([]net.Conn, error) {
	var cs []net.Conn
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return cs, fmt.Errorf("loadgen: idle connection %d: %w", i, err)
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// checkLoopback refuses anything but a loopback address.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("loadgen: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("loadgen: %q is not a loopback address: load runs against this machine only", addr)
	}
	return nil
}

// progress prints a line a second while the run lasts; the returned func
// stops it.
func (r *run) progress() func() {
	if r.cfg.Progress == nil {
		return func() {}
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last := int64(0)
		for {
			select {
			case <-stop:
				fmt.Fprintln(r.cfg.Progress)
				return
			case <-t.C:
				done := r.done.Load()
				h := hdrhistogram.New(1, maxLatencyMicros, 3)
				for _, s := range r.shards {
					s.mu.Lock()
					h.Merge(s.hist)
					s.mu.Unlock()
				}
				fmt.Fprintf(r.cfg.Progress, "\r%6.1fs %9d req/s  %6d errors  p99 %8.2f ms ",
					time.Since(r.start).Seconds(), done-last, r.errors.Load(), float64(h.ValueAtQuantile(99))/1000)
				last = done
			}
		}
	}()
	return func() { close(stop); <-stopped }
}

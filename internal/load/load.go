package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geometryos/daemon1/client"
	"github.com/geometryos/daemon1/codec"
)

// Options configure a load. Zero fields take the defaults named.
type Options struct {
	Addr       string // the daemon1's host:port
	Collection string
	Protocol   string // "binary" (the default) or "http"
	IfExists   string // "skip" (the default), "replace" or "fail"
	Token      string // the bearer token writes need, if any
	// IDPrefix, when set, names a feature without an id IDPrefix + its
	// position in the input (from 0), so that a second run knows it;
	// otherwise the server gives it a fresh id (and a second run loads it
	// again).
	IDPrefix   string
	Batch      int           // most features a request; 5,000
	BatchBytes int           // most bytes a request; 2 MiB (the server's -max-body is 4 MiB by default)
	Workers    int           // requests in flight at once; 4
	Timeout    time.Duration // bounds one request; 1 minute
	RetryFor   time.Duration // how long a chunk is retried after failures that may pass; 2 minutes
	// Progress, when set, is called every ProgressEvery (1 s) and at the end.
	Progress      func(Stats)
	ProgressEvery time.Duration
}

// Stats are a load's figures so far.
type Stats struct {
	Read                        int   // features read from the input and handed to the workers
	Inserted, Skipped, Replaced int   // as the server answered
	Requests, Retries, Splits   int   // chunks sent, sent again, and halved after a 413
	Bytes                       int64 // of the input read
	Elapsed                     time.Duration
	Done                        bool
}

// Loaded is how many features the server holds from this load's input.
func (s Stats) Loaded() int { return s.Inserted + s.Skipped + s.Replaced }

// item is one feature as a request carries it.
type item struct {
	n    int            // position in the input
	line []byte         // REST: the feature, compact, on one line
	feat client.Feature // binary
	size int            // bytes it adds to a request
}

type chunk struct{ items []item }

// Run loads the features read from in into o.Collection (made if
// missing) and returns what it did. It stops at the first chunk refused
// for good (a bad feature, a conflict under IfExists fail), or at an input
// that does not read, saying which features; what was sent before stays.
func Run(ctx context.Context, in io.Reader, o Options) (Stats, error) {
	o = o.withDefaults()
	mode, ok := modes[o.IfExists]
	if !ok {
		return Stats{}, fmt.Errorf("if-exists %q: use skip, replace or fail", o.IfExists)
	}
	var s sink
	switch o.Protocol {
	case "binary":
		b, err := newBinarySink(ctx, o.Addr, o.Token, mode, o.Timeout)
		if err != nil {
			return Stats{}, err
		}
		s = b
	case "http":
		s = newHTTPSink(o.Addr, o.Token, o.IfExists, o.Timeout)
	default:
		return Stats{}, fmt.Errorf("protocol %q: use binary or http", o.Protocol)
	}
	defer s.close()
	if err := s.create(ctx, o.Collection); err != nil {
		return Stats{}, err
	}
	l := &loader{o: o, sink: s, start: time.Now(), in: &countingReader{r: in}}
	return l.run(ctx, NewReader(l.in))
}

var modes = map[string]client.IfExists{"skip": client.IfExistsSkip, "replace": client.IfExistsReplace, "fail": client.IfExistsFail}

func (o Options) withDefaults() Options {
	if o.Protocol == "" {
		o.Protocol = "binary"
	}
	if o.IfExists == "" {
		o.IfExists = "skip"
	}
	if o.Batch <= 0 {
		o.Batch = 5000
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 2 << 20
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 2 * time.Minute
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = time.Second
	}
	return o
}

type loader struct {
	o     Options
	sink  sink
	start time.Time
	in    *countingReader

	mu    sync.Mutex
	stats Stats
	err   error // the first failure: stops the load
}

func (l *loader) run(ctx context.Context, r *Reader) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan *chunk, l.o.Workers)
	var wg sync.WaitGroup
	for range l.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range chunks {
				if err := l.sendAll(ctx, c); err != nil {
					l.fail(err)
					cancel()
				}
			}
		}()
	}
	stopProgress := l.reportEvery()
	readErr := l.read(ctx, r, chunks)
	close(chunks)
	wg.Wait()
	stopProgress()
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		l.fail(readErr)
	}
	st := l.snapshot()
	st.Done = true
	if l.o.Progress != nil {
		l.o.Progress(st)
	}
	if l.err == nil && ctx.Err() != nil {
		return st, ctx.Err()
	}
	return st, l.err
}

// read cuts the input into chunks of at most Batch features and
// BatchBytes bytes, and hands them to the workers.
func (l *loader) read(ctx context.Context, r *Reader, chunks chan<- *chunk) error {
	c, size := &chunk{}, 0
	hand := func() error {
		select {
		case chunks <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.count(func(s *Stats) { s.Read += len(c.items) })
		c, size = &chunk{}, 0
		return nil
	}
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the input: %w", err)
		}
		it, err := l.item(f)
		if err != nil {
			return err
		}
		if len(c.items) > 0 && (len(c.items) == l.o.Batch || size+it.size > l.o.BatchBytes) {
			if err := hand(); err != nil {
				return err
			}
		}
		c.items = append(c.items, it)
		size += it.size
	}
	if len(c.items) > 0 {
		return hand()
	}
	return nil
}

// item makes f what a request carries.
func (l *loader) item(f *Feature) (item, error) {
	id := f.ID
	if id == nil && l.o.IDPrefix != "" {
		id = strconv.AppendQuote(nil, l.o.IDPrefix+strconv.Itoa(f.N))
	}
	it := item{n: f.N}
	if l.o.Protocol == "http" {
		b := append([]byte(nil), `{"type":"Feature"`...)
		if id != nil {
			b = append(append(b, `,"id":`...), id...)
		}
		b = append(append(b, `,"geometry":`...), orNull(f.Geometry)...)
		b = append(append(b, `,"properties":`...), orNull(f.Properties)...)
		b = append(b, '}')
		if bytes.ContainsAny(b, "\r\n") { // pretty-printed input: one line each
			var c bytes.Buffer
			if err := json.Compact(&c, b); err != nil {
				return it, fmt.Errorf("feature %d: %w", f.N, err)
			}
			b = c.Bytes()
		}
		it.line, it.size = b, len(b)+1
		return it, nil
	}
	if id != nil {
		s, err := idText(id)
		if err != nil {
			return it, fmt.Errorf("feature %d: %w", f.N, err)
		}
		it.feat.ID = s
	}
	if g := orNull(f.Geometry); string(g) != "null" {
		wkb, err := codec.AppendWKBFromGeoJSON(nil, g)
		if err != nil {
			return it, fmt.Errorf("feature %d: geometry: %w", f.N, err)
		}
		it.feat.Geometry = wkb
	}
	if p := orNull(f.Properties); string(p) != "null" {
		it.feat.Properties = p
	}
	it.size = len(it.feat.ID) + len(it.feat.Geometry) + len(it.feat.Properties) + 10
	return it, nil
}

// idText is a GeoJSON id as the binary protocol carries it: a string, or
// a number's digits (REST keeps a number as a number: use -protocol http
// for those).
func idText(id json.RawMessage) (string, error) {
	if len(id) > 0 && id[0] == '"' {
		var s string
		err := json.Unmarshal(id, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(id, &n); err != nil {
		return "", fmt.Errorf("id %s: want a string or a number", id)
	}
	return n.String(), nil
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// sendAll sends c, retrying what may pass and is safe to send again until
// RetryFor has passed, and halving it after a 413.
func (l *loader) sendAll(ctx context.Context, c *chunk) error {
	deadline := time.Now().Add(l.o.RetryFor)
	wait := 50 * time.Millisecond
	for {
		l.count(func(s *Stats) { s.Requests++ })
		r, err := l.sink.send(ctx, l.o.Collection, c)
		if err == nil {
			l.count(func(s *Stats) { s.Inserted += r.Inserted; s.Skipped += r.Skipped; s.Replaced += r.Replaced })
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var se *sendError
		errors.As(err, &se)
		switch {
		case se != nil && se.TooLarge && len(c.items) > 1:
			l.count(func(s *Stats) { s.Splits++ })
			half := len(c.items) / 2
			if err := l.sendAll(ctx, &chunk{items: c.items[:half]}); err != nil {
				return err
			}
			return l.sendAll(ctx, &chunk{items: c.items[half:]})
		case se != nil && se.Retry && time.Now().Add(wait).Before(deadline):
			l.count(func(s *Stats) { s.Retries++ })
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return ctx.Err()
			}
			wait = min(2*wait, 5*time.Second)
		default:
			first, last := c.items[0].n, c.items[len(c.items)-1].n
			return fmt.Errorf("features %d to %d of the input: %w%s", first, last, err, l.hint(err))
		}
	}
}

// hint says how to go on after err.
func (l *loader) hint(err error) string {
	var se *sendError
	if !errors.As(err, &se) {
		return ""
	}
	if se.Conflict {
		return " (run again with -if-exists skip to load the rest, or replace to overwrite)"
	}
	if se.Retry {
		return fmt.Sprintf(" (still failing after %s; run the same command again to go on: features already loaded are skipped)", l.o.RetryFor)
	}
	return ""
}

func (l *loader) count(f func(*Stats)) {
	l.mu.Lock()
	f(&l.stats)
	l.mu.Unlock()
}

func (l *loader) fail(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
}

func (l *loader) snapshot() Stats {
	l.mu.Lock()
	st := l.stats
	l.mu.Unlock()
	st.Elapsed, st.Bytes = time.Since(l.start), l.in.n.Load()
	return st
}

// reportEvery calls Progress every ProgressEvery until the returned stop.
func (l *loader) reportEvery() (stop func()) {
	if l.o.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(l.o.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.o.Progress(l.snapshot())
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// countingReader counts the bytes read through it, for the progress
// reports (read from another goroutine).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

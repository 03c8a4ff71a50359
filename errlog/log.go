// Package errlog is daemon1's error log: any goroutine, an event loop
// included, puts an Entry into a fixed-size ring without blocking or
// allocating, and one goroutine drains the ring to JSON-lines files rotated
// by size and age (lumberjack), keeping the most recent entries and counts by
// kind in memory for GET /admin/errors.
//
// Nothing is lost silently: an entry that finds the ring full is counted as
// dropped, and a "log_dropped" line saying how many is written as soon as the
// drain runs; a batch the disk refuses is retried until its deadline, then
// counted as failed, and writing resumes when the disk allows.
package errlog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geometryos/daemon1/retry"
	"gopkg.in/natefinch/lumberjack.v2"
)

// Options configure a Log. Zero fields take the defaults named.
type Options struct {
	Dir        string // where errors.jsonl and its backups live; "./data/logs"
	MaxSizeMB  int    // rotate when the file passes this; 100
	MaxAgeDays int    // delete backups older than this; 30
	MaxBackups int    // keep at most this many backups; 10
	// RotateEvery starts a new file this often even when the current one is
	// small, so that a file holds one period; 24 h.
	RotateEvery time.Duration
	NoCompress  bool // keep backups uncompressed
	RingSize    int  // entries the ring holds (rounded up to a power of 2); 4096
	Recent      int  // entries kept in memory for Snapshot; 100
	// FlushEvery is the longest an entry waits in the ring; 100 ms.
	FlushEvery time.Duration
	// WriteDeadline bounds the retries of one batch; 1 s.
	WriteDeadline time.Duration
	// Retrier runs the writes; retry.Default if nil.
	Retrier *retry.Retrier
	// Logf reports the log's own trouble (to stderr); log.Printf if nil.
	Logf func(format string, args ...any)
}

// Log is the error log. Its methods are safe for concurrent use.
type Log struct {
	opts    Options
	ring    *ring
	w       *lumberjack.Logger
	wake    chan struct{}
	stop    chan struct{}
	forward atomic.Pointer[func(lines []byte)] // SetForward's
	// closeOnce lets Close be called again (a test's cleanup after it).
	closeOnce sync.Once
	done      chan struct{}

	produced, dropped, written, failed atomic.Uint64

	mu     sync.Mutex
	recent [][]byte // a ring of the newest lines, oldest at next
	next   int
	counts map[string]uint64

	// The drain's own state.
	buf           []byte
	lines         int
	reportedDrops uint64
	lastComplaint time.Time
}

// Open starts a Log writing to o.Dir/errors.jsonl.
func Open(o Options) (*Log, error) {
	if o.Dir == "" {
		o.Dir = filepath.Join("data", "logs")
	}
	orDefault(&o.MaxSizeMB, 100)
	orDefault(&o.MaxAgeDays, 30)
	orDefault(&o.MaxBackups, 10)
	orDefault(&o.RingSize, 4096)
	orDefault(&o.Recent, 100)
	orDefault(&o.FlushEvery, 100*time.Millisecond)
	orDefault(&o.WriteDeadline, time.Second)
	orDefault(&o.RotateEvery, 24*time.Hour)
	if o.Retrier == nil {
		o.Retrier = retry.Default
	}
	if o.Logf == nil {
		o.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	// A directory that cannot be made now is no reason not to start: the
	// writes fail, are counted, and succeed once it can be.
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		o.Logf("errlog: cannot create %s (entries are counted as failed until it can be): %v", o.Dir, err)
	}
	l := newLog(o)
	go l.run()
	return l, nil
}

// newLog makes a Log without starting its drain.
func newLog(o Options) *Log {
	return &Log{
		opts: o,
		ring: newRing(o.RingSize),
		w: &lumberjack.Logger{Filename: filepath.Join(o.Dir, "errors.jsonl"), MaxSize: o.MaxSizeMB,
			MaxAge: o.MaxAgeDays, MaxBackups: o.MaxBackups, Compress: !o.NoCompress, LocalTime: false},
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		recent: make([][]byte, o.Recent),
		counts: map[string]uint64{},
	}
}

// SetForward has f called with every batch of lines written (JSON lines,
// each ending in a newline), from the drain goroutine, after they are
// written: f must copy what it keeps and must not block (a fleet node
// forwards them to the fleet's error stream).
func (l *Log) SetForward(f func(lines []byte)) { l.forward.Store(&f) }

// maxBatch bounds one write: lumberjack refuses a write larger than its
// whole file limit, and entries are capped (entry.go) well below this.
const maxBatch = 64 << 10

func orDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Put queues e without blocking. It copies e, so e may be reused at once.
func (l *Log) Put(e *Entry) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	l.produced.Add(1)
	if !l.ring.put(e) {
		l.dropped.Add(1)
		return
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Stats are the log's counters. Once Close has returned,
// Produced == Written + Dropped + Failed.
type Stats struct {
	Produced uint64 // entries Put
	Written  uint64 // entries written to the file
	Dropped  uint64 // entries that found the ring full
	Failed   uint64 // entries in batches the disk refused until their deadline
}

// Stats returns the counters.
func (l *Log) Stats() Stats {
	return Stats{Produced: l.produced.Load(), Written: l.written.Load(), Dropped: l.dropped.Load(), Failed: l.failed.Load()}
}

// Snapshot is what GET /admin/errors shows.
type Snapshot struct {
	Recent [][]byte          // the newest entries as JSON, oldest first
	Counts map[string]uint64 // entries by kind since start
	Stats  Stats
}

// Snapshot copies the recent entries and the counts.
func (l *Log) Snapshot() Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Snapshot{Counts: make(map[string]uint64, len(l.counts)), Stats: l.Stats()}
	for k, v := range l.counts {
		s.Counts[k] = v
	}
	for i := range l.recent {
		if line := l.recent[(l.next+i)%len(l.recent)]; line != nil {
			s.Recent = append(s.Recent, append([]byte(nil), line...))
		}
	}
	return s
}

// Close drains what is queued, writes it, and closes the file. It may be
// called again.
func (l *Log) Close() error {
	l.closeOnce.Do(func() { close(l.stop) })
	<-l.done
	return l.w.Close()
}

func (l *Log) run() {
	defer close(l.done)
	t := time.NewTicker(l.opts.FlushEvery)
	defer t.Stop()
	rotate := time.NewTicker(l.opts.RotateEvery)
	defer rotate.Stop()
	for {
		select {
		case <-l.wake:
		case <-t.C:
		case <-rotate.C:
			l.drain()
			l.rotate()
		case <-l.stop:
			l.drain()
			return
		}
		l.drain()
	}
}

// rotate starts a new file, retrying until the deadline; a failure is
// reported through the retrier's hooks and the next rotation tries again.
func (l *Log) rotate() {
	op := retry.Op{Name: "errlog_rotate", Idempotent: true, Deadline: time.Now().Add(l.opts.WriteDeadline),
		Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond}
	if err := l.opts.Retrier.Do(context.Background(), op, func(context.Context) error { return l.w.Rotate() }); err != nil {
		l.opts.Logf("errlog: cannot rotate %s: %v", l.w.Filename, err)
	}
}

// drain writes everything in the ring, in batches.
func (l *Log) drain() {
	var e Entry
	for {
		l.buf, l.lines = l.buf[:0], 0
		if d := l.dropped.Load(); d > l.reportedDrops {
			l.add(&Entry{Time: time.Now(), Kind: "log_dropped",
				Message: fmt.Sprintf("dropped %d entries: the error ring was full", d-l.reportedDrops)})
			l.reportedDrops = d
			l.lines-- // the notice is not a produced entry
		}
		for len(l.buf) < maxBatch && l.ring.get(&e) {
			l.add(&e)
		}
		if len(l.buf) == 0 {
			return
		}
		full := len(l.buf) >= maxBatch
		l.write()
		if f := l.forward.Load(); f != nil {
			(*f)(l.buf)
		}
		if !full {
			return
		}
	}
}

// add appends e's line to the batch and to the in-memory view.
func (l *Log) add(e *Entry) {
	start := len(l.buf)
	l.buf = appendJSON(l.buf, e)
	line := l.buf[start:]
	l.buf = append(l.buf, '\n')
	l.lines++
	l.mu.Lock()
	l.counts[e.Kind]++
	l.recent[l.next] = append(l.recent[l.next][:0], line...)
	l.next = (l.next + 1) % len(l.recent)
	l.mu.Unlock()
}

func (l *Log) write() {
	n := uint64(max(l.lines, 0))
	if _, err := l.w.Write(l.buf); err == nil {
		l.written.Add(n) // the common case, without the retrier's garbage; a failed write is retried below
		return
	}
	op := retry.Op{Name: "errlog_write", Idempotent: true, Deadline: time.Now().Add(l.opts.WriteDeadline),
		Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond}
	// A full or read-only disk may recover (an operator frees space): every
	// write error is retried until the batch's deadline.
	err := l.opts.Retrier.Do(context.Background(), op, func(context.Context) error {
		_, err := l.w.Write(l.buf)
		return err
	})
	if err != nil {
		l.failed.Add(n)
		if time.Since(l.lastComplaint) > 10*time.Second {
			l.lastComplaint = time.Now()
			l.opts.Logf("errlog: cannot write %d entries to %s (counted as failed; writing resumes when the disk allows): %v",
				n, l.w.Filename, err)
		}
		return
	}
	l.written.Add(n)
}

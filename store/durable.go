package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/geometryos/daemon1/retry"
	"github.com/geometryos/daemon1/store/aof"
)

// Fsync is when appended records are made durable.
type Fsync uint8

const (
	// FsyncAlways syncs every batch before its writes are acknowledged.
	FsyncAlways Fsync = iota
	// FsyncEverySecond acknowledges once written and syncs once a second:
	// a machine crash may lose the last second, a process crash nothing.
	FsyncEverySecond
	// FsyncNo leaves syncing to the kernel.
	FsyncNo
)

// ParseFsync reads "always", "everysec" or "no".
func ParseFsync(s string) (Fsync, error) {
	switch s {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverySecond, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("-fsync %q: want always, everysec or no", s)
}

// Options configure a durable Store.
type Options struct {
	// File is the append-only file; nil keeps writes in memory only.
	File  *aof.Writer
	Fsync Fsync
	// WriteTimeout bounds the retries of one batch's write.
	WriteTimeout time.Duration
	// RewriteRatio and RewriteMinSize: the file is compacted when it is
	// larger than RewriteMinSize and RewriteRatio times its size after the
	// last compaction (or start-up).
	RewriteRatio   float64
	RewriteMinSize int64
	// KeyTTL and MaxKeys bound the idempotency keys remembered (see
	// once.go): for how long, and how many.
	KeyTTL  time.Duration
	MaxKeys int
	// SnapshotEvery is how often a replica writes its snapshot (besides
	// when it is closed); 0: every 5 minutes.
	SnapshotEvery time.Duration
	// MaxBatchBytes: the committer adds no more writes to a batch once its
	// records pass this size (a shared log's messages are bounded); 0: no
	// bound.
	MaxBatchBytes int
	// Logf reports compactions and failures.
	Logf func(format string, args ...any)
	// OnSync, if set, observes how long each fsync took (seconds).
	OnSync func(seconds float64)
	// AckBeforeDurable acknowledges writes before they are written, and
	// writes them only every 250 ms: a test-only switch, the negative
	// control that proves the crash test can fail.
	AckBeforeDurable bool
}

func (o Options) withDefaults() Options {
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 2 * time.Second
	}
	if o.RewriteRatio <= 1 {
		o.RewriteRatio = 2
	}
	if o.RewriteMinSize <= 0 {
		o.RewriteMinSize = 64 << 20
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.KeyTTL <= 0 {
		o.KeyTTL = DefaultKeyTTL
	}
	if o.SnapshotEvery <= 0 {
		o.SnapshotEvery = 5 * time.Minute
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	return o
}

// The errors of writes that are not the client's fault.
var (
	// ErrReadOnly: an fsync failed, and the store takes no more writes
	// until it is restarted. The API answers 503.
	ErrReadOnly = errors.New("the store is read-only")
	// ErrNoSpace: the disk is full. The API answers 507.
	ErrNoSpace = aof.ErrNoSpace
	// ErrClosed: the store is shutting down.
	ErrClosed = errors.New("the store is closed")
	// ErrBusy: the committer's queue is full (maxBatch writes wait); the
	// write was not taken. The API answers 503.
	ErrBusy = errors.New("the store's queue of writes is full")
	// ErrWriteFailed: the append-only file kept refusing the write until
	// its deadline; nothing was changed. The API answers 503.
	ErrWriteFailed = errors.New("the write could not be appended to the append-only file")
)

// Stats are the durability figures for the metrics.
type Stats struct {
	Batches, Bytes          atomic.Uint64 // appended
	Records                 atomic.Uint64 // writes this node committed (in Batches)
	Syncs                   atomic.Uint64 // (their durations go to Options.OnSync)
	WriteErrors             atomic.Uint64
	Rewrites, RewriteErrors atomic.Uint64
	FileSize                atomic.Int64
	ReplayNanos             atomic.Int64
	ReplayRecords           atomic.Int64
}

// Stats returns the store's durability figures.
func (s *Store) Stats() *Stats { return &s.stats }

// ReadOnly returns why the store takes no writes, or "".
func (s *Store) ReadOnly() string {
	if r := s.readOnly.Load(); r != nil {
		return *r
	}
	return ""
}

func (s *Store) turnReadOnly(err error) {
	reason := fmt.Sprintf("%v at %s; restart daemon1 to take writes again", err, time.Now().UTC().Format(time.RFC3339))
	if s.readOnly.CompareAndSwap(nil, &reason) {
		s.opts.Logf("store: READ-ONLY: %s", reason)
	}
}

// fileLog is the log of a single node: the append-only file (or nothing,
// for a store in memory only). A batch's position is its count.
type fileLog struct{ s *Store }

func (l fileLog) Append(batch []byte, at uint64, deadline time.Time) (uint64, error) {
	if err := l.s.write(batch, deadline); err != nil {
		return 0, err
	}
	return at + 1, nil
}

// write appends a batch's records under the fsync policy.
func (s *Store) write(buf []byte, deadline time.Time) error {
	w := s.opts.File
	if w == nil || len(buf) == 0 {
		return nil
	}
	if reason := s.ReadOnly(); reason != "" {
		return fmt.Errorf("%w: %s", ErrReadOnly, reason)
	}
	if s.opts.AckBeforeDurable {
		s.lateWrite(buf)
		return nil
	}
	if err := w.Append(buf, deadline); err != nil {
		s.stats.WriteErrors.Add(1)
		if errors.Is(err, aof.ErrSync) {
			s.turnReadOnly(err)
			return fmt.Errorf("%w: %w", ErrReadOnly, err)
		}
		if errors.Is(err, ErrNoSpace) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrWriteFailed, err)
	}
	s.stats.Batches.Add(1)
	s.stats.Bytes.Add(uint64(len(buf)))
	s.stats.FileSize.Store(w.Size())
	if s.rewriting != nil {
		s.rewriting.tail = append(s.rewriting.tail, buf...)
	}
	if s.opts.Fsync == FsyncAlways {
		return s.sync()
	}
	return nil
}

func (s *Store) sync() error {
	start := time.Now()
	err := s.opts.File.Sync()
	took := time.Since(start)
	s.stats.Syncs.Add(1)
	if s.opts.OnSync != nil {
		s.opts.OnSync(took.Seconds())
	}
	if err != nil {
		s.turnReadOnly(err)
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	}
	return nil
}

func (s *Store) syncEverySecond() {
	if s.ReadOnly() == "" {
		s.sync()
	}
}

// lateWrite is AckBeforeDurable's write: the records wait in memory and go
// to the file in the background, every 250 ms.
func (s *Store) lateWrite(buf []byte) {
	s.lateMu.Lock()
	defer s.lateMu.Unlock()
	s.late = append(s.late, buf...)
	if s.lateTimer == nil {
		s.lateTimer = time.AfterFunc(250*time.Millisecond, s.flushLate)
	}
}

func (s *Store) flushLate() {
	s.lateMu.Lock()
	defer s.lateMu.Unlock()
	s.lateTimer = nil
	if len(s.late) > 0 && s.opts.File.Append(s.late, time.Now().Add(time.Second)) == nil {
		s.opts.File.Sync()
	}
	s.late = s.late[:0]
}

// Durable is a Store kept in an append-only file in a directory.
type Durable struct {
	*Store
	Writer *aof.Writer
	Replay ReplayReport
}

// FileName is the append-only file's name in the data directory.
const FileName = "daemon1.aof"

// Open replays dir's append-only file into a new Store and opens the file
// for appending. A torn tail is cut off and reported; a bad record in the
// middle is an error naming its offset, unless repair is set: then the
// sound prefix is kept and the rest moved aside to a file named in the
// report. r retries the writes (nil: a plain Retrier).
func Open(dir string, repair bool, o Options, r *retry.Retrier) (*Durable, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	s := newStore(o)
	rep, err := s.replayFile(path, repair)
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = &retry.Retrier{}
	}
	w, err := aof.OpenWriter(path, rep.Kept, r)
	if err != nil {
		return nil, err
	}
	s.opts.File = w
	s.stats.FileSize.Store(w.Size())
	s.rewriteBase = w.Size()
	go s.commit() // only now: the committer reads the options as it runs
	return &Durable{Store: s, Writer: w, Replay: rep}, nil
}

// Close stops the committer and closes the file; writes acknowledged are
// in it already (under FsyncAlways, synced). Under the other policies the
// last writes are synced now, and a failure to is reported: those writes
// may not survive a crash of the machine.
func (d *Durable) Close() error {
	d.Store.Close()
	if d.opts.AckBeforeDurable {
		d.flushLate()
	}
	var syncErr error
	if d.opts.Fsync != FsyncAlways && d.ReadOnly() == "" {
		if err := d.Writer.Sync(); err != nil {
			syncErr = fmt.Errorf("the final fsync of the append-only file failed: %w", err)
		}
	}
	return errors.Join(syncErr, d.Writer.Close())
}

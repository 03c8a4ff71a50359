package store

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Every write is an intent run by one goroutine, the committer: it takes
// all the intents waiting, checks each against the store as it will be
// once the earlier ones are applied (a batch keeps what they changed),
// appends the records of those that pass to the log (log.go: the
// append-only file, with one write and one fsync), and only then applies
// them and answers their callers. So a write is visible
// and acknowledged only once it is durable; a batch that cannot be written
// changes nothing; and the writes of one collection are group-committed
// like any others. Reads never wait for the committer.

// intent is one write waiting for the committer.
type intent struct {
	// run checks and stages the write; its error is the caller's answer.
	// It may be run again, against a newer store (a shared log refused the
	// batch: replica.go), so it changes nothing but the batch and its own
	// results.
	run func(b *batch) error
	// The answer goes to done, where the caller waits (do), or to then,
	// which the committer calls (submit).
	done chan error
	then func(err error)
}

// answer gives the intent's caller its answer.
func (s *Store) answer(in *intent, err error) {
	if in.then == nil {
		in.done <- err
		return
	}
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logf("store: BUG: a write's answer panicked (its caller gets none): %v", r)
		}
	}()
	in.then(err)
}

// maxBatch bounds the intents of one batch.
const maxBatch = 4096

// batch is what the committer stages between two writes to the file.
type batch struct {
	s       *Store
	buf     []byte   // the records, encoded
	records []record // the same, applied in order once durable
	staged  []*intent
	cols    map[string]*Collection              // collections created (or nil: dropped) in this batch
	feats   map[*Collection]map[string]*Feature // features put (or nil: deleted) in this batch
	dropped []*Collection                       // marked dropped by this batch
	keys    map[string]*Remembered              // answers of writes made once in this batch
}

func (b *batch) reset() {
	clear(b.cols)
	clear(b.feats)
	clear(b.records)
	clear(b.staged)
	clear(b.dropped)
	clear(b.keys)
	b.buf, b.records, b.staged, b.dropped = b.buf[:0], b.records[:0], b.staged[:0], b.dropped[:0]
}

// collection is the collection name as the batch leaves it, or nil.
func (b *batch) collection(name string) *Collection {
	if c, ok := b.cols[name]; ok {
		return c
	}
	return b.s.Collection(name)
}

// live reports whether c still exists as the batch leaves it.
func (b *batch) live(c *Collection) bool { return !c.dropped && b.collection(c.name) == c }

// get is the feature id of c as the batch leaves it.
func (b *batch) get(c *Collection, id string) (*Feature, bool) {
	if fs, ok := b.feats[c]; ok {
		if f, ok := fs[id]; ok {
			return f, f != nil
		}
	}
	return c.Get(id)
}

// existing is the feature id of c that an update or delete needs: the
// precondition is checked first (If-Match on a missing feature fails it).
func (b *batch) existing(c *Collection, id string, match Match) (*Feature, error) {
	if !b.live(c) {
		return nil, ErrNoCollection
	}
	cur, ok := b.get(c, id)
	if match != nil && !match(cur) {
		return nil, ErrPrecondition
	}
	if !ok {
		return nil, ErrNoFeature
	}
	return cur, nil
}

func (b *batch) stage(c *Collection, id string, f *Feature) {
	fs := b.feats[c]
	if fs == nil {
		fs = map[string]*Feature{}
		b.feats[c] = fs
	}
	fs[id] = f
}

// log adds r to the batch: encoded now, applied once durable.
func (b *batch) log(r record) {
	b.buf = appendRecord(b.buf, r)
	b.records = append(b.records, r)
}

// put stages f, over the feature of its id if any.
func (b *batch) put(c *Collection, f *Feature) { b.putNoting(c, f, nil) }

// putNoting is put, and notes in *created (when not nil), as the put is
// applied, whether the feature is new.
func (b *batch) putNoting(c *Collection, f *Feature, created *bool) {
	b.log(&putRecord{collection: c.name, f: f, created: created})
	b.stage(c, f.ID(), f)
}

// delete stages the removal of f, the write's version being version.
func (b *batch) delete(c *Collection, f *Feature, version uint64) {
	b.log(&deleteRecord{collection: c.name, version: version, id: f.ID()})
	b.stage(c, f.ID(), nil)
}

// insertAll stages a bulk insert of new features.
func (b *batch) insertAll(c *Collection, fs []*Feature) {
	for _, f := range fs {
		b.stage(c, f.ID(), f)
	}
	b.log(&bulkRecord{collection: c.name, fs: fs})
}

// create stages a new collection (fresh), or new metadata for c.
func (b *batch) create(c *Collection, title, desc string, fresh bool) {
	r := &createRecord{name: c.name, title: title, desc: desc, version: c.version}
	if fresh {
		r.c = c
		b.cols[c.name] = c
	}
	b.log(r)
}

// drop stages the removal of c.
func (b *batch) drop(c *Collection) {
	b.log(&dropRecord{name: c.name})
	b.cols[c.name] = nil
	c.dropped = true
	b.dropped = append(b.dropped, c)
}

// versionFloor is where a collection made in this batch starts counting
// versions: above every version a dropped collection gave out, those this
// batch drops included.
func (b *batch) versionFloor() uint64 {
	v := b.s.dropFloor
	for _, c := range b.dropped {
		v = max(v, c.version)
	}
	return v
}

// freeID makes an id for a feature sent without one: the collection's next
// version in hex, with a suffix in the unlikely case a client took it.
func (b *batch) freeID(c *Collection) string { return b.freeIDExcept(c, nil) }

// freeIDExcept is freeID also avoiding the ids of taken.
func (b *batch) freeIDExcept(c *Collection, taken map[string]int) string {
	base := "f" + strconv.FormatUint(c.version+1, 16)
	id := base
	for i := 1; ; i++ {
		_, inBatch := taken[id]
		if _, exists := b.get(c, id); !exists && !inBatch {
			return id
		}
		id = fmt.Sprintf("%s-%d", base, i)
	}
}

// do hands a write to the committer and waits for its answer.
func (s *Store) do(run func(b *batch) error) error {
	in := &intent{run: run, done: make(chan error, 1)}
	if err := s.send(in, true); err != nil {
		return err
	}
	return <-in.done
}

// Busy reports that the committer's queue is half full: a caller that can
// wait before sending more writes (an event loop pausing a pipelining
// connection) should, rather than have them refused with ErrBusy.
func (s *Store) Busy() bool { return len(s.intents) >= cap(s.intents)/2 }

// submit hands a write to the committer without waiting for it: then is
// called, by the committer, with the write's answer, and must be quick
// and must not call the store. When the write cannot be taken now (the
// store is read-only or closed, or the committer's queue is full:
// ErrBusy) submit returns why and then is never called.
func (s *Store) submit(run func(b *batch) error, then func(error)) error {
	return s.send(&intent{run: run, then: then}, false)
}

// send queues in for the committer, waiting for room if wait, else
// refusing with ErrBusy when the queue is full. The committer answers
// every intent sent before Close; none is sent after.
func (s *Store) send(in *intent, wait bool) error {
	if reason := s.ReadOnly(); reason != "" {
		return fmt.Errorf("%w: %s", ErrReadOnly, reason)
	}
	s.sendMu.RLock()
	defer s.sendMu.RUnlock()
	if s.shut {
		return ErrClosed
	}
	if wait {
		s.intents <- in
		return nil
	}
	select {
	case s.intents <- in:
		return nil
	default:
		return ErrBusy
	}
}

// commit is the committer's loop.
func (s *Store) commit() {
	defer close(s.stopped)
	b := &batch{s: s, cols: map[string]*Collection{}, feats: map[*Collection]map[string]*Feature{}}
	var tick, snap <-chan time.Time
	if s.opts.File != nil && s.opts.Fsync == FsyncEverySecond {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}
	if s.snapshotPath != "" {
		t := time.NewTicker(s.opts.SnapshotEvery)
		defer t.Stop()
		snap = t.C
	}
	for {
		select {
		case in := <-s.intents:
			s.followWaiting()
			b.reset()
			b.take(in)
		more: // everything already waiting joins the batch
			for len(b.staged) < maxBatch && !b.full() {
				select {
				case in := <-s.intents:
					b.take(in)
				default:
					break more
				}
			}
			s.flush(b)
		case e, ok := <-s.feed:
			if !ok {
				s.feed = nil // the log was closed: Close is coming
				continue
			}
			s.follow(e)
		case <-tick:
			s.syncEverySecond()
		case <-snap:
			if s.rewriting == nil && s.applied.Load() != s.snapshotAt.Load() {
				s.startRewrite()
			}
		case r := <-s.rewriteDone:
			s.finishRewrite(r)
		case <-s.closed:
			if r := s.rewriting; r != nil {
				<-s.rewriteDone
				r.rw.Abort()
			}
			s.drainClosed()
			return
		}
	}
}

// full reports whether the batch has reached Options.MaxBatchBytes.
func (b *batch) full() bool {
	return b.s.opts.MaxBatchBytes > 0 && len(b.buf) >= b.s.opts.MaxBatchBytes
}

// take runs an intent against the batch: a refused one is answered now.
// A write that panics is answered with the panic as its error (and must
// not have staged anything): the committer serves every other write.
func (b *batch) take(in *intent) {
	mark := len(b.records)
	if err := b.run(in); err != nil {
		if len(b.records) != mark {
			panic("BUG: a write staged changes and then failed")
		}
		b.s.answer(in, err)
		return
	}
	b.staged = append(b.staged, in)
}

func (b *batch) run(in *intent) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("BUG: a write panicked: %v", r)
		}
	}()
	return in.run(b)
}

// flush makes the batch durable, applies it and answers its callers. A
// shared log that refuses the batch because another node wrote first is
// followed up to that write, and the batch's writes are checked again
// (some may fail now, and are answered so) until the log takes them or
// the write timeout passes.
func (s *Store) flush(b *batch) {
	deadline := time.Now().Add(s.opts.WriteTimeout)
	for len(b.staged) > 0 {
		if len(b.buf) == 0 { // writes that change nothing: nothing to log
			s.applyBatch(b, s.applied.Load())
			return
		}
		pos, err := s.log.Append(b.buf, s.applied.Load(), deadline)
		if err == nil {
			s.applyBatch(b, pos)
			return
		}
		s.forget(b)
		var c *Conflict
		if errors.As(err, &c) {
			if err = s.catchUp(c.Last, deadline); err == nil {
				b.retake()
				continue
			}
		}
		for _, in := range b.staged {
			s.answer(in, err)
		}
		return
	}
}

// applyBatch applies a durable batch, at position pos of the log, and
// answers its callers.
func (s *Store) applyBatch(b *batch, pos uint64) {
	for _, r := range b.records {
		if err := r.apply(s); err != nil {
			panic(fmt.Sprintf("BUG: a durable %T does not apply: %v", r, err))
		}
	}
	s.stats.Records.Add(uint64(len(b.records)))
	s.advance(pos)
	for _, in := range b.staged {
		s.answer(in, nil)
	}
	s.maybeRewrite()
}

// retake checks the batch's writes again, against the store as it now is.
func (b *batch) retake() {
	ins := append([]*intent(nil), b.staged...)
	b.reset()
	for _, in := range ins {
		b.take(in)
	}
}

// forget undoes what staging did outside the batch: the dropped marks.
func (s *Store) forget(b *batch) {
	for _, c := range b.dropped {
		c.dropped = false
	}
}

// drainClosed answers every write still waiting once the store is closed.
func (s *Store) drainClosed() {
	for {
		select {
		case in := <-s.intents:
			s.answer(in, ErrClosed)
		default:
			return
		}
	}
}

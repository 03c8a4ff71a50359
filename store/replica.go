package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/geometryos/daemon1/store/aof"
)

// A replica is a Store that keeps its writes in a log the nodes of a fleet
// share, and applies every batch of that log in order, its own and the
// other nodes': every replica's store is the same function of the log's
// first n batches. A batch is appended only if the log's last position is
// still the one the batch was checked against (the log decides, not this
// node's copy); otherwise the committer applies what it missed and checks
// the batch's writes again. So preconditions hold across the fleet, and
// versions and ids, which the records carry, are the same on every node.
//
// A replica keeps a snapshot in its directory (taken every
// Options.SnapshotEvery and when it is closed) and, restarted, follows the
// log from the snapshot's position on.

// SnapshotName is a replica's snapshot file in its directory.
const SnapshotName = "daemon1.snapshot"

// Replica is a Store that follows a shared log.
type Replica struct {
	*Store
	path string
	// Loaded says what start-up found in the snapshot.
	Loaded ReplayReport
}

// Follow starts delivering a shared log's batches from position from on,
// in order and without gaps (this node's own among them), until the log
// is closed.
type Follow func(from uint64) (<-chan Entry, error)

// OpenReplica loads dir's snapshot (if there is one) into a new Store
// whose writes go to log, and follows the log from the position after the
// snapshot's.
func OpenReplica(dir string, log Log, follow Follow, o Options) (*Replica, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the data directory: %w", err)
	}
	path := filepath.Join(dir, SnapshotName)
	s := newStore(o)
	s.log = log
	rep, err := s.replayFile(path, false)
	if err != nil {
		return nil, err
	}
	if rep.TornBytes > 0 {
		return nil, fmt.Errorf("%s is damaged (a snapshot is written whole, then renamed): remove it, and the node rebuilds its store from the fleet's log", path)
	}
	feed, err := follow(s.applied.Load() + 1)
	if err != nil {
		return nil, err
	}
	s.feed = feed
	s.snapshotPath = path
	s.snapshotAt.Store(s.applied.Load())
	go s.commit()
	return &Replica{Store: s, path: path, Loaded: rep}, nil
}

// Close stops the committer and writes a snapshot of the store as it
// stands, so that a restart replays only what came after. (The committer
// writes one every Options.SnapshotEvery, when the store has changed.)
func (r *Replica) Close() error {
	r.Store.Close()
	if r.applied.Load() == r.snapshotAt.Load() {
		return nil // the snapshot on disk (or none, for an empty log) holds it all
	}
	head, snaps := r.view()
	rw, err := aof.NewRewriter(r.path)
	if err != nil {
		return err
	}
	if err := writeSnapshots(rw, head, snaps); err != nil {
		rw.Abort()
		return err
	}
	if err := rw.Install(r.path); err != nil {
		return err
	}
	r.snapshotAt.Store(r.applied.Load())
	return nil
}

// Applied is the position of the last batch of the log the store applied:
// what a read on this node reflects.
func (s *Store) Applied() uint64 { return s.applied.Load() }

// WaitApplied waits until the store has applied the log up to pos, or
// deadline; it reports whether it has.
func (s *Store) WaitApplied(pos uint64, deadline time.Time) bool {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		s.waitMu.Lock()
		if s.applied.Load() >= pos {
			s.waitMu.Unlock()
			return true
		}
		if s.advanced == nil {
			s.advanced = make(chan struct{})
		}
		ch := s.advanced
		s.waitMu.Unlock()
		wait := time.Until(deadline)
		if wait <= 0 {
			return false
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		}
		select {
		case <-ch:
		case <-timer.C:
			return s.applied.Load() >= pos
		}
	}
}

// CatchUp makes a replica reflect every write its fleet acknowledged
// before the call: it asks the shared log for its last position and, if
// that is past since (a position the caller saw applied), waits for the
// store to apply it. moved reports whether it was past. A write refused
// on a replica was judged on its copy, which may have been behind: the
// API runs such a write again once CatchUp says the copy moved. For a
// store whose log is not shared it does nothing.
func (s *Store) CatchUp(since uint64) (moved bool, err error) {
	tail, ok := s.log.(Tail)
	if !ok {
		return false, nil
	}
	deadline := time.Now().Add(s.opts.WriteTimeout)
	last, err := tail.Last(deadline)
	if err != nil || last <= since {
		return false, err
	}
	if !s.WaitApplied(last, deadline) {
		return true, fmt.Errorf("%w: this node did not apply the fleet's log up to %d in time (it has %d)", ErrWriteFailed, last, s.Applied())
	}
	return true, nil
}

// advance records that the batch at pos is applied, and wakes the reads
// waiting for it.
func (s *Store) advance(pos uint64) {
	s.waitMu.Lock()
	s.applied.Store(pos)
	if s.advanced != nil {
		close(s.advanced)
		s.advanced = nil
	}
	s.waitMu.Unlock()
}

// follow applies a batch of the shared log; in the committer. A batch this
// node wrote was applied when the log took it.
func (s *Store) follow(e Entry) {
	at := s.applied.Load()
	if e.Pos <= at || s.diverged {
		return
	}
	if e.Pos != at+1 {
		s.diverge(fmt.Errorf("the log skipped from position %d to %d", at, e.Pos))
		return
	}
	err := aof.ScanBatch(e.Batch, func(op aof.Op, payload []byte, offset int64) error {
		rec, _, err := decodeRecord(op, payload)
		if err == nil {
			err = rec.apply(s)
		}
		if err != nil {
			return fmt.Errorf("the record at offset %d: %w", offset, err)
		}
		return nil
	})
	if err != nil {
		s.diverge(fmt.Errorf("the batch at position %d does not apply: %w", e.Pos, err))
		return
	}
	s.advance(e.Pos)
}

// diverge stops a replica that can no longer apply the log: its store
// would differ from the others'. It keeps serving reads of what it has,
// turns read-only (and so not ready), and says why.
func (s *Store) diverge(err error) {
	s.diverged = true
	s.turnReadOnly(fmt.Errorf("the replica stopped following the fleet's log: %w", err))
}

// catchUp applies the shared log until the store has position last, or
// deadline passes: a batch refused for a conflict waits for this.
func (s *Store) catchUp(last uint64, deadline time.Time) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for s.applied.Load() < last && !s.diverged {
		select {
		case e, ok := <-s.feed:
			if !ok {
				s.feed = nil
				return fmt.Errorf("%w: the node stopped following the fleet's log", ErrWriteFailed)
			}
			s.follow(e)
		case <-timer.C:
			return fmt.Errorf("%w: another node wrote first, and this node did not receive its write (position %d; it has %d) in time",
				ErrWriteFailed, last, s.applied.Load())
		case <-s.closed:
			return ErrClosed
		}
	}
	if s.diverged {
		return fmt.Errorf("%w: %s", ErrReadOnly, s.ReadOnly())
	}
	return nil
}

// followWaiting applies the batches of the log already received, so that
// the next batch is checked against the freshest state.
func (s *Store) followWaiting() {
	for {
		select {
		case e, ok := <-s.feed:
			if !ok {
				s.feed = nil
				return
			}
			s.follow(e)
		default:
			return
		}
	}
}

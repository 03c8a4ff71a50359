package store

import (
	"time"

	"github.com/geometryos/daemon1/store/aof"
)

// rewrite is a compaction in progress.
type rewrite struct {
	rw      *aof.Rewriter
	tail    []byte // records appended to the live file since the snapshot
	err     error
	started time.Time
	from    int64  // the live file's size when it started
	at      uint64 // a snapshot's position
}

// snapshot is a collection as it was when a compaction started.
type snapshot struct {
	name, title, desc string
	version           uint64
	features          []*Feature
}

// maybeRewrite starts a compaction when the file has grown past the ratio
// of its last compacted size (and the minimum). It runs in the committer,
// between batches.
func (s *Store) maybeRewrite() {
	w := s.opts.File
	if w == nil || s.rewriting != nil || s.opts.AckBeforeDurable || s.ReadOnly() != "" || time.Now().Before(s.nextRewrite) {
		return
	}
	size := w.Size()
	if size < s.opts.RewriteMinSize || float64(size) < s.opts.RewriteRatio*float64(s.rewriteBase) {
		return
	}
	s.startRewrite()
}

// startRewrite takes a consistent view of the store (the committer is the
// only writer, and it is here) and writes it to a new file in the
// background: the append-only file's replacement, to which what is
// appended meanwhile is added, or a replica's snapshot.
func (s *Store) startRewrite() {
	head, snaps := s.view()
	target := s.snapshotPath
	if target == "" {
		target = s.opts.File.Path()
	}
	rw, err := aof.NewRewriter(target)
	if err != nil {
		s.rewriteFailed(err)
		return
	}
	r := &rewrite{rw: rw, started: time.Now(), at: s.applied.Load()}
	if s.opts.File != nil {
		r.from = s.opts.File.Size()
	}
	s.rewriting = r
	go func() {
		r.err = writeSnapshots(rw, head, snaps)
		s.rewriteDone <- r
	}()
}

// view is the store as it stands, as records to start a file with (a
// replica's position, the version floor, the remembered keys) and each
// collection's features. The committer's, or a closed store's.
func (s *Store) view() (head []byte, snaps []snapshot) {
	for _, c := range s.Collections() {
		title, desc := c.Meta()
		snap := snapshot{name: c.name, title: title, desc: desc, version: c.version,
			features: make([]*Feature, 0, c.ids.Len())}
		c.ids.Scan(func(_ string, f *Feature) bool {
			snap.features = append(snap.features, f)
			return true
		})
		snaps = append(snaps, snap)
	}
	if s.snapshotPath != "" {
		head = appendRecord(head, &atRecord{pos: s.applied.Load()})
	}
	head = appendRecord(head, &floorRecord{floor: s.dropFloor})
	s.keys.live(s.opts.KeyTTL, time.Now(), func(key string, r *Remembered) {
		head = appendRecord(head, &keyRecord{key: key, r: r})
	})
	return head, snaps
}

// writeSnapshots writes head, then each collection as a create and bulk
// inserts.
func writeSnapshots(rw *aof.Rewriter, head []byte, snaps []snapshot) error {
	const perRecord = 1024
	buf := head
	for _, sn := range snaps {
		buf = appendRecord(buf, &createRecord{name: sn.name, title: sn.title, desc: sn.desc, version: sn.version})
		for i := 0; i < len(sn.features); i += perRecord {
			chunk := sn.features[i:min(i+perRecord, len(sn.features))]
			buf = appendRecord(buf, &bulkRecord{collection: sn.name, fs: chunk})
			if len(buf) > 1<<20 {
				if err := rw.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	if err := rw.Write(buf); err != nil {
		return err
	}
	return rw.Sync()
}

// finishRewrite appends what came meanwhile and swaps the new file in; in
// the committer, so nothing is appended while it does. A snapshot is
// installed as it is.
func (s *Store) finishRewrite(r *rewrite) {
	s.rewriting = nil
	if r.err == nil && s.snapshotPath != "" {
		if r.err = r.rw.Install(s.snapshotPath); r.err == nil {
			s.stats.Rewrites.Add(1)
			s.snapshotAt.Store(r.at)
			s.opts.Logf("store: wrote a snapshot in %s", time.Since(r.started).Round(time.Millisecond))
			return
		}
		s.rewriteFailed(r.err)
		return
	}
	if r.err == nil {
		r.err = r.rw.Write(r.tail)
	}
	if r.err != nil {
		r.rw.Abort()
		s.rewriteFailed(r.err)
		return
	}
	if err := r.rw.Commit(s.opts.File); err != nil {
		s.rewriteFailed(err)
		return
	}
	s.stats.Rewrites.Add(1)
	size := s.opts.File.Size()
	s.rewriteBase = size
	s.stats.FileSize.Store(size)
	s.opts.Logf("store: compacted the append-only file from %d to %d bytes in %s", r.from+int64(len(r.tail)), size,
		time.Since(r.started).Round(time.Millisecond))
}

func (s *Store) rewriteFailed(err error) {
	s.stats.RewriteErrors.Add(1)
	s.nextRewrite = time.Now().Add(time.Minute)
	s.opts.Logf("store: compacting the append-only file (or writing the snapshot) failed (next try in a minute): %v", err)
}

package main

import (
	"io"
	"sync/atomic"
	"syscall"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/store"
)

// storeMetrics writes the store's figures into /metrics; it is the one
// owner of their names. Until the store is open (the replay runs) only
// daemon1_store_replaying is written, as 1.
type storeMetrics struct {
	store atomic.Pointer[store.Store]
	dir   string // the data directory, whose file system's room is shown
}

// newStoreMetrics registers the store's figures in set, and those of the
// file system of dir.
func newStoreMetrics(set *metrics.Set, dir string) *storeMetrics {
	sm := &storeMetrics{dir: dir}
	set.RegisterMetricsWriter(sm.write)
	return sm
}

// opened starts exposing s's figures.
func (sm *storeMetrics) opened(s *store.Store) { sm.store.Store(s) }

func (sm *storeMetrics) write(w io.Writer) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(sm.dir, &fs); err == nil {
		metrics.WriteGaugeUint64(w, "daemon1_data_dir_available_bytes", fs.Bavail*uint64(fs.Bsize))
		metrics.WriteGaugeUint64(w, "daemon1_data_dir_capacity_bytes", fs.Blocks*uint64(fs.Bsize))
	}
	s := sm.store.Load()
	if s == nil {
		metrics.WriteGaugeUint64(w, "daemon1_store_replaying", 1)
		return
	}
	var m store.Metrics
	s.UpdateMetrics(&m)
	metrics.WriteGaugeUint64(w, "daemon1_store_replaying", 0)
	metrics.WriteGaugeUint64(w, "daemon1_store_collections", m.Collections)
	metrics.WriteGaugeUint64(w, "daemon1_store_features", m.Features)
	metrics.WriteGaugeUint64(w, "daemon1_store_read_only", b2u(m.ReadOnly))
	metrics.WriteGaugeUint64(w, "daemon1_aof_size_bytes", m.FileSize)
	metrics.WriteCounterUint64(w, "daemon1_aof_appended_bytes_total", m.Bytes)
	metrics.WriteCounterUint64(w, "daemon1_aof_batches_total", m.Batches)
	metrics.WriteCounterUint64(w, "daemon1_aof_records_total", m.Records)
	metrics.WriteCounterUint64(w, "daemon1_aof_write_errors_total", m.WriteErrors)
	metrics.WriteCounterUint64(w, `daemon1_aof_rewrites_total{outcome="ok"}`, m.Rewrites)
	metrics.WriteCounterUint64(w, `daemon1_aof_rewrites_total{outcome="failed"}`, m.RewriteErrors)
	metrics.WriteGaugeFloat64(w, "daemon1_aof_replay_seconds", m.ReplaySeconds)
	metrics.WriteGaugeUint64(w, "daemon1_aof_replay_records", m.ReplayRecords)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

package main

import (
	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/store"
)

// registerStoreMetrics exposes the append-only file's figures.
func registerStoreMetrics(set *metrics.Set, db *store.Durable) {
	st := db.Stats()
	gauge := func(name string, f func() float64) { set.NewGauge(name, f) }
	gauge("daemon1_aof_size_bytes", func() float64 { return float64(st.FileSize.Load()) })
	gauge("daemon1_aof_appended_bytes_total", func() float64 { return float64(st.Bytes.Load()) })
	gauge("daemon1_aof_batches_total", func() float64 { return float64(st.Batches.Load()) })
	gauge("daemon1_aof_write_errors_total", func() float64 { return float64(st.WriteErrors.Load()) })
	gauge(`daemon1_aof_rewrites_total{outcome="ok"}`, func() float64 { return float64(st.Rewrites.Load()) })
	gauge(`daemon1_aof_rewrites_total{outcome="failed"}`, func() float64 { return float64(st.RewriteErrors.Load()) })
	gauge("daemon1_aof_replay_seconds", func() float64 { return float64(st.ReplayNanos.Load()) / 1e9 })
	gauge("daemon1_aof_replay_records", func() float64 { return float64(st.ReplayRecords.Load()) })
	gauge("daemon1_store_read_only", func() float64 {
		if db.ReadOnly() != "" {
			return 1
		}
		return 0
	})
}

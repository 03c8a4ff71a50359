package store

// Metrics are the store's figures for /metrics. The store fills them
// (UpdateMetrics) and the caller writes them, as VictoriaMetrics' storage
// does: the store does not know how they are exposed, and one place
// (cmd/daemon1) owns their names.
type Metrics struct {
	Collections, Features uint64
	ReadOnly              bool

	// The log: cumulative since start, except FileSize.
	Batches, Bytes, Records uint64 // appended by this node (Records: the writes in them)
	Syncs                   uint64
	WriteErrors             uint64
	Rewrites, RewriteErrors uint64
	FileSize                uint64

	// The start-up replay (or a fleet node's snapshot load).
	ReplaySeconds float64
	ReplayRecords uint64
}

// UpdateMetrics fills m with the store's figures now.
func (s *Store) UpdateMetrics(m *Metrics) {
	cols, feats := s.Counts()
	m.Collections, m.Features = uint64(cols), uint64(feats)
	m.ReadOnly = s.ReadOnly() != ""
	st := &s.stats
	m.Batches, m.Bytes, m.Records = st.Batches.Load(), st.Bytes.Load(), st.Records.Load()
	m.Syncs, m.WriteErrors = st.Syncs.Load(), st.WriteErrors.Load()
	m.Rewrites, m.RewriteErrors = st.Rewrites.Load(), st.RewriteErrors.Load()
	m.FileSize = uint64(max(st.FileSize.Load(), 0))
	m.ReplaySeconds = float64(st.ReplayNanos.Load()) / 1e9
	m.ReplayRecords = uint64(max(st.ReplayRecords.Load(), 0))
}

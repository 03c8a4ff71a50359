package server

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/errlog"
)

// A flood of one kind of error (a client hammering a bad request) must not
// fill the error log and rotate every backup out in minutes. So each kind
// may log at most DefaultErrorsPerSecond entries a second; the rest are
// counted (daemon1_errors_unlogged_total{kind}) and the next entry of the
// kind that is logged comes after a "log_sampled" line saying how many were
// not. Every error is still counted in daemon1_errors_total.

// DefaultErrorsPerSecond is how many entries of one kind the error log
// takes in a second unless Observer.SetErrorRate says otherwise.
const DefaultErrorsPerSecond = 20

// KindLogSampled is the kind of the lines that say how many entries of
// another kind were not logged.
const KindLogSampled = "log_sampled"

// sampler admits the entries of one kind.
type sampler struct {
	second   atomic.Int64  // the current one-second window, in Unix seconds
	inWindow atomic.Int64  // entries admitted in it
	skipped  atomic.Uint64 // not admitted since the last log_sampled line
	unlogged *metrics.Counter
}

// admit reports whether an entry at now may be logged, and how many were
// skipped before it (to be said first). Concurrent callers may let a few
// more through at a window's edge: the rate is a bound on volume, not an
// exact quota.
func (s *sampler) admit(now time.Time, perSecond int64) (ok bool, skipped uint64) {
	sec := now.Unix()
	if old := s.second.Load(); old != sec && s.second.CompareAndSwap(old, sec) {
		s.inWindow.Store(0)
	}
	if s.inWindow.Add(1) > perSecond {
		s.skipped.Add(1)
		s.unlogged.Inc()
		return false, 0
	}
	return true, s.skipped.Swap(0)
}

// SetErrorRate sets how many entries of one kind the error log takes in a
// second (at least 1). Call it before serving.
func (o *Observer) SetErrorRate(perSecond int) { o.errorRate = int64(max(perSecond, 1)) }

// putSampled puts e into log unless its kind is over its rate.
func (o *Observer) putSampled(log *errlog.Log, e *errlog.Entry) {
	s := o.samplers[e.Kind]
	if s == nil { // a kind not registered up front: rare, never sampled
		log.Put(e)
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	ok, skipped := s.admit(e.Time, o.errorRate)
	if !ok {
		return
	}
	if skipped > 0 {
		log.Put(&errlog.Entry{Time: e.Time, Kind: KindLogSampled, Message: fmt.Sprintf(
			"%d %q entries were not logged: more than %d a second (they are counted in daemon1_errors_total)",
			skipped, e.Kind, o.errorRate)})
	}
	log.Put(e)
}

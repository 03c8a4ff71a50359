package report

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/retry"
)

// pushTo runs one Push against a server answering statuses in turn, and
// returns the outcome the retry hooks saw and the attempts made.
func pushTo(t *testing.T, statuses ...int) (retry.Outcome, int, string) {
	t.Helper()
	var calls atomic.Int32
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
		i := int(calls.Add(1)) - 1
		w.WriteHeader(statuses[min(i, len(statuses)-1)])
	}))
	defer srv.Close()
	set := metrics.NewSet()
	set.NewCounter("pushed_total").Add(7)
	var outcome retry.Outcome
	var attempts int
	r := &retry.Retrier{Hooks: retry.Hooks{OnDone: func(_ *retry.Op, o retry.Outcome, n int, _ error) { outcome, attempts = o, n }}}
	p := &Pusher{URL: srv.URL, Interval: time.Second, Set: set, Retrier: r}
	p.Push(context.Background(), time.Now().Add(2*time.Second))
	s, _ := body.Load().(string)
	return outcome, attempts, s
}

func TestPushRetriesTransientFailures(t *testing.T) {
	outcome, attempts, body := pushTo(t, 503, 503, 204)
	if outcome != retry.Succeeded || attempts != 3 {
		t.Fatalf("outcome %s after %d attempts, want success after 3", outcome, attempts)
	}
	if !strings.Contains(body, "pushed_total 7") || !strings.Contains(body, "process_") {
		t.Fatalf("pushed body lacks the set's or the process metrics:\n%.300s", body)
	}
}

func TestPushDoesNotRetryARefusal(t *testing.T) {
	if outcome, attempts, _ := pushTo(t, 400, 204); outcome != retry.Permanent || attempts != 1 {
		t.Fatalf("outcome %s after %d attempts, want permanent after 1", outcome, attempts)
	}
}

func TestPushGivesUpAtTheDeadline(t *testing.T) {
	if outcome, attempts, _ := pushTo(t, 503); outcome != retry.Expired || attempts < 2 {
		t.Fatalf("outcome %s after %d attempts, want deadline after several", outcome, attempts)
	}
}

// Package report reports daemon1's metrics regularly: it pushes them to a
// VictoriaMetrics import endpoint, and logs a one-line summary.
package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/retry"
	"github.com/geometryos/daemon1/server"
)

// Pusher sends the metrics of Set, in Prometheus text format, to URL (a
// VictoriaMetrics /api/v1/import/prometheus endpoint; extra labels go in its
// query, e.g. ?extra_label=instance=a) every Interval. A failed push is
// retried until the next one is due; the outcome is counted through
// Retrier's hooks.
type Pusher struct {
	URL      string
	Interval time.Duration
	Set      *metrics.Set
	Retrier  *retry.Retrier
	Client   *http.Client
}

// Run pushes until ctx is done.
func (p *Pusher) Run(ctx context.Context) {
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.Push(ctx, time.Now().Add(p.Interval)) // failures are counted and logged by the hooks
		}
	}
}

// Push sends the metrics once, retrying transient failures until deadline.
func (p *Pusher) Push(ctx context.Context, deadline time.Time) error {
	var body bytes.Buffer
	p.Set.WritePrometheus(&body)
	metrics.WriteProcessMetrics(&body)
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: p.Interval}
	}
	op := retry.Op{Name: "metrics_push", Idempotent: true, Deadline: deadline,
		Initial: 50 * time.Millisecond, Max: 2 * time.Second}
	return p.Retrier.Do(ctx, op, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body.Bytes()))
		if err != nil {
			return retry.MarkPermanent(err)
		}
		req.Header.Set("Content-Type", "text/plain")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			return nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			return fmt.Errorf("push to %s: %s: %s", p.URL, resp.Status, msg)
		default:
			return retry.MarkPermanent(fmt.Errorf("push to %s: %s: %s", p.URL, resp.Status, msg))
		}
	})
}

// Summarize logs obs's summary every interval until ctx is done.
func Summarize(ctx context.Context, obs *server.Observer, interval time.Duration, logf func(string, ...any)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	obs.TakeSummary() // start the first period now
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			logf("daemon1: %s", obs.TakeSummary().Line(interval))
		}
	}
}

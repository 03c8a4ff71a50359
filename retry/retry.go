// Package retry runs an operation again after transient failures, with
// exponential backoff and full jitter, until it succeeds, fails permanently,
// runs out of attempts, or its deadline passes.
//
// Only operations marked idempotent are retried: running one of the others a
// second time could apply it twice, so it gets exactly one attempt.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Op describes an operation to run.
type Op struct {
	// Name labels the operation in metrics and logs ("errlog_write").
	Name string
	// Idempotent operations may be retried; others run once.
	Idempotent bool
	// Deadline bounds all attempts and the waits between them; the zero
	// time means the context's deadline alone.
	Deadline time.Time
	// MaxAttempts caps the attempts; 0 means 10.
	MaxAttempts int
	// Initial is the cap of the first backoff; 0 means 1 ms. Each retry
	// doubles the cap, up to Max (0 means 1 s); the wait is drawn uniformly
	// from [0, cap) ("full jitter"), so that many callers do not retry in step.
	Initial, Max time.Duration
}

// Outcome is how a Do ended, for metrics.
type Outcome string

// The outcomes of Do.
const (
	Succeeded Outcome = "success"   // the last attempt succeeded
	Permanent Outcome = "permanent" // an attempt returned a permanent error
	Exhausted Outcome = "exhausted" // MaxAttempts failed
	Expired   Outcome = "deadline"  // the deadline passed first
)

// Hooks observe retries: OnRetry runs before each wait, with the error that
// caused it; OnDone runs once with the outcome and the number of attempts.
// Either may be nil.
type Hooks struct {
	OnRetry func(op *Op, attempt int, err error, wait time.Duration)
	OnDone  func(op *Op, outcome Outcome, attempts int, err error)
}

// Clock is time as Do sees it; tests inject a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, reporting ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Retrier runs operations with a clock and hooks.
type Retrier struct {
	Clock Clock
	Hooks Hooks
	// Rand returns a uniform float in [0, 1); nil means math/rand/v2.
	Rand func() float64
}

// Default is a Retrier with the real clock and no hooks.
var Default = &Retrier{}

// Do runs fn under op with Default.
func Do(ctx context.Context, op Op, fn func(ctx context.Context) error) error {
	return Default.Do(ctx, op, fn)
}

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// MarkPermanent wraps err so that Do does not retry it.
func MarkPermanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// ErrDeadline is returned (wrapping the last error) when the deadline passed
// before an attempt succeeded.
var ErrDeadline = errors.New("retry deadline passed")

// Do runs fn until it returns nil or a permanent error, MaxAttempts fail, or
// the deadline passes; it returns nil or the last error (wrapped with
// ErrDeadline when the deadline ended it).
func (r *Retrier) Do(ctx context.Context, op Op, fn func(ctx context.Context) error) error {
	clock := r.Clock
	if clock == nil {
		clock = realClock{}
	}
	maxAttempts, initial, maxWait := op.MaxAttempts, op.Initial, op.Max
	if maxAttempts <= 0 {
		maxAttempts = 10
	}
	if !op.Idempotent {
		maxAttempts = 1
	}
	if initial <= 0 {
		initial = time.Millisecond
	}
	if maxWait <= 0 {
		maxWait = time.Second
	}
	deadline := op.Deadline
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	if _, real := clock.(realClock); real && !op.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, op.Deadline)
		defer cancel()
	}
	if !deadline.IsZero() && !clock.Now().Before(deadline) {
		return r.done(&op, Expired, 0, ErrDeadline)
	}
	limit := initial
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		switch {
		case err == nil:
			return r.done(&op, Succeeded, attempt, nil)
		case IsPermanent(err):
			return r.done(&op, Permanent, attempt, err)
		case attempt >= maxAttempts:
			return r.done(&op, Exhausted, attempt, err)
		}
		wait := time.Duration(r.rand() * float64(limit))
		if !deadline.IsZero() && !clock.Now().Add(wait).Before(deadline) {
			return r.done(&op, Expired, attempt, fmt.Errorf("%w after %d attempts: %w", ErrDeadline, attempt, err))
		}
		if r.Hooks.OnRetry != nil {
			r.Hooks.OnRetry(&op, attempt, err, wait)
		}
		if serr := clock.Sleep(ctx, wait); serr != nil {
			return r.done(&op, Expired, attempt, fmt.Errorf("%w after %d attempts: %w", ErrDeadline, attempt, err))
		}
		limit = min(2*limit, maxWait)
	}
}

func (r *Retrier) done(op *Op, o Outcome, attempts int, err error) error {
	if r.Hooks.OnDone != nil {
		r.Hooks.OnDone(op, o, attempts, err)
	}
	return err
}

func (r *Retrier) rand() float64 {
	if r.Rand != nil {
		return r.Rand()
	}
	return rand.Float64()
}

package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeClock advances only when Do sleeps.
type fakeClock struct {
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

var errTransient = errors.New("transient")

// failing fails n times, then succeeds.
func failing(n int, calls *int) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		if *calls <= n {
			return errTransient
		}
		return nil
	}
}

func newRetrier() (*Retrier, *fakeClock, *[]Outcome) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var outcomes []Outcome
	r := &Retrier{Clock: clock, Rand: func() float64 { return 0.5 },
		Hooks: Hooks{OnDone: func(_ *Op, o Outcome, _ int, _ error) { outcomes = append(outcomes, o) }}}
	return r, clock, &outcomes
}

func TestSucceedsAfterFailures(t *testing.T) {
	r, clock, outcomes := newRetrier()
	calls, retries := 0, 0
	r.Hooks.OnRetry = func(*Op, int, error, time.Duration) { retries++ }
	err := r.Do(context.Background(), Op{Name: "t", Idempotent: true, Initial: 10 * time.Millisecond, Max: 40 * time.Millisecond}, failing(4, &calls))
	if err != nil || calls != 5 || retries != 4 {
		t.Fatalf("err=%v calls=%d retries=%d, want nil, 5 attempts, 4 retries", err, calls, retries)
	}
	// Full jitter at 0.5 of a cap that doubles from 10 ms up to 40 ms.
	want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond}
	for i, d := range want {
		if clock.slept[i] != d {
			t.Fatalf("waits %v, want %v", clock.slept, want)
		}
	}
	if len(*outcomes) != 1 || (*outcomes)[0] != Succeeded {
		t.Fatalf("outcomes %v", *outcomes)
	}
}

func TestStopsAtDeadline(t *testing.T) {
	r, clock, outcomes := newRetrier()
	calls := 0
	op := Op{Name: "t", Idempotent: true, Deadline: clock.now.Add(100 * time.Millisecond), MaxAttempts: 1000,
		Initial: 20 * time.Millisecond, Max: 20 * time.Millisecond}
	err := r.Do(context.Background(), op, failing(1000, &calls))
	if !errors.Is(err, ErrDeadline) || !errors.Is(err, errTransient) {
		t.Fatalf("err=%v, want ErrDeadline wrapping the last error", err)
	}
	if clock.now.After(op.Deadline) {
		t.Fatalf("slept past the deadline: now %v, deadline %v", clock.now, op.Deadline)
	}
	if calls != 10 || (*outcomes)[0] != Expired {
		t.Fatalf("calls=%d outcome=%v, want 10 attempts 10 ms apart in 100 ms, then deadline", calls, (*outcomes)[0])
	}
}

func TestNeverRetriesPermanent(t *testing.T) {
	r, _, outcomes := newRetrier()
	calls := 0
	perm := errors.New("disk is read-only")
	err := r.Do(context.Background(), Op{Name: "t", Idempotent: true}, func(context.Context) error {
		calls++
		return MarkPermanent(perm)
	})
	if calls != 1 || !errors.Is(err, perm) || !IsPermanent(err) || (*outcomes)[0] != Permanent {
		t.Fatalf("calls=%d err=%v outcome=%v", calls, err, (*outcomes)[0])
	}
}

func TestNeverRetriesNonIdempotent(t *testing.T) {
	r, _, outcomes := newRetrier()
	calls := 0
	err := r.Do(context.Background(), Op{Name: "t"}, failing(1, &calls))
	if calls != 1 || !errors.Is(err, errTransient) || (*outcomes)[0] != Exhausted {
		t.Fatalf("calls=%d err=%v outcome=%v, want one attempt", calls, err, (*outcomes)[0])
	}
}

func TestCapsAttempts(t *testing.T) {
	r, _, outcomes := newRetrier()
	calls := 0
	err := r.Do(context.Background(), Op{Name: "t", Idempotent: true, MaxAttempts: 3}, failing(100, &calls))
	if calls != 3 || !errors.Is(err, errTransient) || (*outcomes)[0] != Exhausted {
		t.Fatalf("calls=%d err=%v outcome=%v, want 3 attempts", calls, err, (*outcomes)[0])
	}
}

func TestDeadlineAlreadyPassed(t *testing.T) {
	r, clock, _ := newRetrier()
	calls := 0
	err := r.Do(context.Background(), Op{Name: "t", Idempotent: true, Deadline: clock.now}, failing(0, &calls))
	if calls != 0 || !errors.Is(err, ErrDeadline) {
		t.Fatalf("calls=%d err=%v, want no attempt and ErrDeadline", calls, err)
	}
}

func TestRealClockHonoursContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	calls := 0
	start := time.Now()
	err := Do(ctx, Op{Name: "t", Idempotent: true, MaxAttempts: 1 << 20, Initial: 5 * time.Millisecond, Max: 5 * time.Millisecond},
		failing(1<<20, &calls))
	if !errors.Is(err, ErrDeadline) || calls < 2 {
		t.Fatalf("err=%v calls=%d", err, calls)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Do ran far past its context's deadline")
	}
}

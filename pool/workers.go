package pool

import (
	"errors"
	"time"

	"github.com/panjf2000/ants/v2"
)

// ErrOverloaded is returned by Workers.Submit when every worker is busy. The
// caller should answer 503 with Retry-After at once rather than wait.
var ErrOverloaded = errors.New("worker pool is full")

// Workers runs blocking work off the event loops on a fixed number of
// goroutines. Submit never blocks.
type Workers[T any] struct {
	p *ants.PoolWithFuncGeneric[T]
}

// NewWorkers starts a pool of size goroutines (created lazily, kept warm)
// running fn. A panic in fn is passed to onPanic; fn is expected to recover
// its own panics, so onPanic reports a bug.
func NewWorkers[T any](size int, fn func(T), onPanic func(any)) (*Workers[T], error) {
	p, err := ants.NewPoolWithFuncGeneric(size, fn,
		ants.WithNonblocking(true),
		ants.WithPanicHandler(onPanic),
		ants.WithExpiryDuration(10*time.Second))
	if err != nil {
		return nil, err
	}
	return &Workers[T]{p: p}, nil
}

// Submit hands task to an idle worker, or returns ErrOverloaded.
func (w *Workers[T]) Submit(task T) error {
	err := w.p.Invoke(task)
	if errors.Is(err, ants.ErrPoolOverload) {
		return ErrOverloaded
	}
	return err
}

// Running reports how many workers are busy.
func (w *Workers[T]) Running() int { return w.p.Running() }

// Cap reports the pool's size.
func (w *Workers[T]) Cap() int { return w.p.Cap() }

// Close waits up to timeout for running tasks, then stops the workers.
func (w *Workers[T]) Close(timeout time.Duration) error {
	return w.p.ReleaseTimeout(timeout)
}

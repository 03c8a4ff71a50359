package server

import (
	"context"
	"time"
)

// Drain stops the engine gracefully: new connections are refused, idle
// keep-alive connections are closed, requests in progress are answered with
// Connection: close, and once every connection has flushed and closed (or
// timeout has passed) the event loops stop. It reports how many connections
// were still open when it gave up waiting.
func (e *Engine) Drain(timeout time.Duration) (left int, err error) {
	e.draining.Store(true)
	if e.ln != nil {
		e.ln.Close()
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if e.conns.len() == 0 && e.inFlight.Load() == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	left = e.conns.len()
	err = e.stop()
	return left, err
}

// stop ends the event loops and the worker pool without waiting for clients.
func (e *Engine) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := e.eng.Stop(ctx)
	if <-e.done; err == nil {
		err = e.runErr
	}
	if werr := e.workers.Close(time.Second); err == nil {
		err = werr
	}
	return err
}

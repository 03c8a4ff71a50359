package server

import (
	"fmt"
	"time"
)

// Server is what both engines offer cmd/daemon1 and the tests.
type Server interface {
	// Start listens and serves in the background.
	Start() error
	// Addr is the bound address, host:port.
	Addr() string
	// Drain stops serving gracefully within timeout; it reports connections
	// still open when it stopped waiting.
	Drain(timeout time.Duration) (left int, err error)
	// Done is closed once the engine has stopped serving: after Drain, or
	// on its own, which is a failure the process must not outlive.
	Done() <-chan struct{}
}

// NewServer makes the engine named by engine ("gnet" or "fasthttp").
func NewServer(engine string, r *Router, o Options) (Server, error) {
	switch engine {
	case "gnet", "":
		return New(r, o)
	case "fasthttp":
		return NewFastHTTP(r, o), nil
	}
	return nil, fmt.Errorf("unknown engine %q: want gnet or fasthttp", engine)
}

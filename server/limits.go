package server

import (
	"fmt"
	"time"
)

// Limits bound what one connection may make the server hold or wait for. Each
// has a command-line flag in cmd/daemon1; the zero value of a field means its
// default (see DefaultLimits).
type Limits struct {
	// MaxHeaderBytes caps the request line plus header block (431 beyond it).
	MaxHeaderBytes int
	// MaxHeaderFields caps the number of header fields (431 beyond it).
	MaxHeaderFields int
	// MaxTargetBytes caps the request target (414 beyond it).
	MaxTargetBytes int
	// MaxBodyBytes caps a request body (413 before the body is read).
	MaxBodyBytes int64

	// HeaderTimeout is the absolute time a client has to send a whole header
	// block once its first byte arrived (408 and close after it).
	HeaderTimeout time.Duration
	// BodyTimeout is the time a client has to send the body once its header
	// block is complete (408 and close after it).
	BodyTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request in progress.
	IdleTimeout time.Duration
	// WriteTimeout closes a connection whose client does not read its
	// responses: unsent output stayed above MaxPendingOutput for this long.
	WriteTimeout time.Duration

	// MaxPipeline is how many requests of one connection may be in progress
	// (parsed, not yet written) before the connection stops being parsed.
	MaxPipeline int
	// MaxPendingOutput is how many unsent response bytes a connection may hold
	// before it stops being parsed.
	MaxPendingOutput int
	// MaxInFlight caps requests in progress across the process; above it no
	// connection is parsed until some finish.
	MaxInFlight int

	// MaxConns caps the connections open at once; MaxConnsPerIP, those of
	// one client IP. A connection past either is closed as it is accepted.
	// Their defaults derive from the descriptor limit (see defaultConnCaps).
	MaxConns      int
	MaxConnsPerIP int
}

// DefaultLimits are the limits used for zero fields of Limits, but for the
// connection caps, which derive from the descriptor limit.
var DefaultLimits = Limits{
	MaxHeaderBytes:   8 << 10,
	MaxHeaderFields:  100,
	MaxTargetBytes:   8000,
	MaxBodyBytes:     4 << 20,
	HeaderTimeout:    10 * time.Second,
	BodyTimeout:      30 * time.Second,
	IdleTimeout:      60 * time.Second,
	WriteTimeout:     10 * time.Second,
	MaxPipeline:      1024,
	MaxPendingOutput: 1 << 20,
	MaxInFlight:      100000,
}

// withDefaults returns l with every zero field set from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	orDefault(&l.MaxHeaderBytes, d.MaxHeaderBytes)
	orDefault(&l.MaxHeaderFields, d.MaxHeaderFields)
	orDefault(&l.MaxTargetBytes, d.MaxTargetBytes)
	orDefault(&l.MaxBodyBytes, d.MaxBodyBytes)
	orDefault(&l.HeaderTimeout, d.HeaderTimeout)
	orDefault(&l.BodyTimeout, d.BodyTimeout)
	orDefault(&l.IdleTimeout, d.IdleTimeout)
	orDefault(&l.WriteTimeout, d.WriteTimeout)
	orDefault(&l.MaxPipeline, d.MaxPipeline)
	orDefault(&l.MaxPendingOutput, d.MaxPendingOutput)
	orDefault(&l.MaxInFlight, d.MaxInFlight)
	maxConns, perIP := defaultConnCaps(fdLimit())
	orDefault(&l.MaxConns, maxConns)
	orDefault(&l.MaxConnsPerIP, min(perIP, l.MaxConns))
	return l
}

// orDefault sets *v to d unless it is positive.
func orDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// limitDetails are the details of the answers to a request past one of
// lim's caps: each names the cap and the daemon1 flag that sets it, so that
// a client knows what to change and an operator which flag to turn.
func (lim Limits) limitDetails() map[int]string {
	return map[int]string{
		413: fmt.Sprintf("the request body is larger than the %d bytes this server accepts (its -max-body flag): send less at once (daemon1 load splits a large file into requests that fit)", lim.MaxBodyBytes),
		414: fmt.Sprintf("the request target is longer than the %d bytes this server accepts (its -max-target flag)", lim.MaxTargetBytes),
		431: fmt.Sprintf("the request header block is larger than this server accepts: at most %d bytes (its -max-header-bytes flag) in at most %d fields (-max-header-fields)", lim.MaxHeaderBytes, lim.MaxHeaderFields),
	}
}

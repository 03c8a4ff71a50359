package errlog

import (
	"net"
	"net/netip"
	"time"

	"github.com/geometryos/daemon1/codec"
)

// Entry is one error. Fill what applies; the zero value of a field leaves it
// out of the line. Strings should be constants or long-lived (a route
// pattern, a method from a fixed table) so that building an Entry allocates
// nothing; Remote and Err are formatted by the drain, not by the caller.
type Entry struct {
	Time      time.Time // set by Put when zero
	Kind      string    // a stable word: "bad_request", "budget_overrun", "panic", "aof_write"
	Status    int
	Route     string
	Method    string
	Target    string // the request target of a request refused before routing
	RequestID uint64
	Remote    net.Addr
	Message   string
	Err       error
	Stack     []byte // panics only
}

// appendJSON appends e as one JSON object (no newline).
func appendJSON(dst []byte, e *Entry) []byte {
	dst = append(dst, `{"time":"`...)
	dst = e.Time.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
	dst = append(dst, `","kind":`...)
	dst = codec.AppendString(dst, e.Kind)
	if e.Status != 0 {
		dst = append(dst, `,"status":`...)
		dst = codec.AppendInt(dst, int64(e.Status))
	}
	dst = appendField(dst, "route", e.Route)
	dst = appendField(dst, "method", e.Method)
	dst = appendField(dst, "target", clip(e.Target, maxField))
	if e.RequestID != 0 {
		dst = append(dst, `,"request_id":"`...)
		dst = codec.AppendRequestID(dst, e.RequestID)
		dst = append(dst, '"')
	}
	if e.Remote != nil {
		dst = appendRemote(dst, e.Remote)
	}
	dst = appendField(dst, "message", clip(e.Message, maxField))
	if e.Err != nil {
		dst = appendField(dst, "error", clip(e.Err.Error(), maxField))
	}
	if len(e.Stack) > 0 {
		dst = append(dst, `,"stack":`...)
		dst = codec.AppendString(dst, clip(e.Stack, maxStack))
	}
	return append(dst, '}')
}

// Fields are clipped so that no entry comes near a batch's or a file's
// size: a runaway message must not make the log refuse everything.
const (
	maxField = 4 << 10
	maxStack = 16 << 10
)

func clip[S ~string | ~[]byte](s S, n int) S {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func appendField(dst []byte, name, v string) []byte {
	if v == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return codec.AppendString(dst, v)
}

// appendRemote appends the remote address; a TCP address, the usual one, is
// formatted without allocating.
func appendRemote(dst []byte, a net.Addr) []byte {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return appendField(dst, "remote", a.String())
	}
	ap := tcp.AddrPort()
	dst = append(dst, `,"remote":"`...)
	dst = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).AppendTo(dst) // 127.0.0.1, not ::ffff:127.0.0.1
	return append(dst, '"')
}

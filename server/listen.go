package server

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Both engines accept through a listener of this package rather than their
// own: gnet's acceptor shuts the whole engine down on the first EMFILE, and
// fasthttp.Server stops accepting for good on it. Running out of
// descriptors is an overload like any other: the listener keeps one
// descriptor in reserve, and when accept fails for want of one it frees the
// reserve, accepts the connection waiting, answers it 503 and closes it
// (so the client is told, rather than left hanging in the backlog), takes
// the reserve back and backs off before accepting again. Every such event
// is counted and logged (at most once a second).

// shedResponse is what a connection accepted only to be shed is told.
const shedResponse = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n" +
	"Connection: close\r\nContent-Length: 40\r\n\r\nthe server has no file descriptors left\n"

// Backoff bounds between accepts after running out of descriptors.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// listener accepts TCP connections and survives every accept error but its
// own closing. One goroutine accepts, and owns everything but ln.
type listener struct {
	ln      *net.TCPListener
	reserve *os.File // a descriptor kept free for shedding; nil if it could not be had
	obs     *Observer
	logf    func(format string, args ...any)

	backoff    time.Duration
	lastLog    time.Time
	suppressed int // log lines held back since lastLog
}

// listen binds addr with SO_REUSEADDR (Go's default: a restart is not held
// up by the last run's connections in TIME-WAIT) and, if reusePort, with
// SO_REUSEPORT.
func listen(addr string, reusePort bool, obs *Observer, logf func(string, ...any)) (*listener, error) {
	lc := net.ListenConfig{}
	if reusePort {
		lc.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			})
			return errors.Join(err, serr)
		}
	}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	l := &listener{ln: ln.(*net.TCPListener), obs: obs, logf: logf}
	l.reserve, _ = os.Open(os.DevNull)
	return l, nil
}

// Addr is the bound address.
func (l *listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops accepting; the accepting goroutine, which owns the reserve
// descriptor, frees it as its accept returns.
func (l *listener) Close() error { return l.ln.Close() }

// accept returns the next connection. It returns an error only once the
// listener is closed (net.ErrClosed).
func (l *listener) accept() (*net.TCPConn, error) {
	for {
		c, err := l.ln.AcceptTCP()
		if err == nil {
			l.backoff = 0
			return c, nil
		}
		if errors.Is(err, net.ErrClosed) {
			if l.reserve != nil {
				l.reserve.Close()
				l.reserve = nil
			}
			return nil, err
		}
		l.failed(err)
	}
}

// failed handles an accept error: sheds a connection when descriptors ran
// out, counts, logs and backs off.
func (l *listener) failed(err error) {
	if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
		l.shed()
	}
	if l.obs != nil {
		l.obs.acceptErrors.Inc()
	}
	l.backoff = min(max(2*l.backoff, minAcceptBackoff), maxAcceptBackoff)
	l.logThrottled("accept failed (%v); backing off %s", err, l.backoff)
	time.Sleep(l.backoff)
}

// shed frees the reserve descriptor, accepts one waiting connection with
// it, tells it 503 and closes it, then takes the reserve back.
func (l *listener) shed() {
	if l.reserve == nil {
		l.reserve, _ = os.Open(os.DevNull)
		return
	}
	l.reserve.Close()
	l.reserve = nil
	if c, err := l.ln.AcceptTCP(); err == nil {
		c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
		c.Write([]byte(shedResponse))
		c.Close()
		if l.obs != nil {
			l.obs.connsShed.Inc()
		}
	}
	l.reserve, _ = os.Open(os.DevNull)
}

// logThrottled logs at most once a second and says how many it held back.
func (l *listener) logThrottled(format string, args ...any) {
	if time.Since(l.lastLog) < time.Second {
		l.suppressed++
		return
	}
	if l.suppressed > 0 {
		format += " (and %d more since the last such line)"
		args = append(args, l.suppressed)
	}
	l.lastLog, l.suppressed = time.Now(), 0
	l.logf("daemon1: listener: "+format, args...)
}

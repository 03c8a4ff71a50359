package server

import (
	"net"
	"net/netip"
	"sync"
	"syscall"
)

// connCaps bounds the connections open at once, in all and per client IP,
// so that neither a flood nor one greedy client takes every descriptor.
// A connection over a cap is closed as soon as it is accepted, and counted.
type connCaps struct {
	max, perIP int
	obs        *Observer

	mu   sync.Mutex
	open int
	byIP map[netip.Addr]int
}

func newConnCaps(lim *Limits, obs *Observer) *connCaps {
	return &connCaps{max: lim.MaxConns, perIP: lim.MaxConnsPerIP, obs: obs, byIP: map[netip.Addr]int{}}
}

// admit counts a new connection from addr in, or reports false if a cap is
// reached (and counts the refusal).
func (cc *connCaps) admit(addr net.Addr) bool {
	ip := ipOf(addr)
	cc.mu.Lock()
	over := cc.open >= cc.max
	overIP := !over && cc.byIP[ip] >= cc.perIP
	if !over && !overIP {
		cc.open++
		cc.byIP[ip]++
	}
	cc.mu.Unlock()
	if cc.obs != nil {
		switch {
		case over:
			cc.obs.refusedMax.Inc()
		case overIP:
			cc.obs.refusedPerIP.Inc()
		}
	}
	return !over && !overIP
}

// release counts out a connection admitted from addr.
func (cc *connCaps) release(addr net.Addr) {
	ip := ipOf(addr)
	cc.mu.Lock()
	cc.open--
	if n := cc.byIP[ip] - 1; n > 0 {
		cc.byIP[ip] = n
	} else {
		delete(cc.byIP, ip)
	}
	cc.mu.Unlock()
}

func ipOf(addr net.Addr) netip.Addr {
	if a, ok := addr.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}

// fdLimit is the process's soft limit on open descriptors (Go raises it to
// the hard limit at start-up), or 0 if unknown.
func fdLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<30 {
		return 0
	}
	return int(rl.Cur)
}

// defaultConnCaps derives the connection caps from the descriptor limit:
// a tenth of it (at least 32, at most 1024) stays for files, logs and the
// engine's own, and one client IP may hold half of the rest.
func defaultConnCaps(limit int) (maxConns, perIP int) {
	if limit <= 0 {
		return 100000, 50000
	}
	reserve := min(max(limit/10, 32), 1024)
	maxConns = max(limit-reserve, 1)
	return maxConns, max(maxConns/2, 1)
}

// cappedListener applies connCaps to what a listener accepts (for
// fasthttp.Server; the gnet engine applies them in OnOpen).
type cappedListener struct {
	*listener
	caps *connCaps
}

func (l cappedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.accept()
		if err != nil {
			return nil, err
		}
		if l.caps.admit(c.RemoteAddr()) {
			return &cappedConn{TCPConn: c, caps: l.caps}, nil
		}
		c.SetLinger(0)
		c.Close()
	}
}

// cappedConn counts itself out of its caps once, when closed.
type cappedConn struct {
	*net.TCPConn
	caps *connCaps
	once sync.Once
}

func (c *cappedConn) Close() error {
	c.once.Do(func() { c.caps.release(c.RemoteAddr()) })
	return c.TCPConn.Close()
}

package server_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
)

// dialFrom opens a connection to addr from the loopback address ip, or
// returns nil if the server reset it at once.
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// serves reports whether c answers a GET /healthz with 200; a connection
// closed by the server does not.
func serves(c net.Conn) bool {
	if c == nil {
		return false
	}
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b := make([]byte, 12)
	n, _ := c.Read(b)
	return string(b[:n]) == "HTTP/1.1 200"
}

func TestConnectionCaps(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			s := start(t, engine, server.Options{Limits: server.Limits{MaxConns: 3, MaxConnsPerIP: 2}})
			a1, a2 := dialFrom(t, "127.0.0.1", s.Addr()), dialFrom(t, "127.0.0.1", s.Addr())
			if a1 == nil || a2 == nil {
				t.Fatal("cannot connect")
			}
			if !serves(a1) || !serves(a2) {
				t.Fatal("the first two connections of one IP are not served")
			}
			if serves(dialFrom(t, "127.0.0.1", s.Addr())) {
				t.Fatal("a third connection of one IP is served past MaxConnsPerIP=2")
			}
			if !serves(dialFrom(t, "127.0.0.2", s.Addr())) {
				t.Fatal("another IP's first connection is not served")
			}
			if serves(dialFrom(t, "127.0.0.3", s.Addr())) {
				t.Fatal("a fourth connection is served past MaxConns=3")
			}
			a1.Close()
			// Once one goes, another may come.
			for deadline := time.Now().Add(5 * time.Second); !serves(dialFrom(t, "127.0.0.3", s.Addr())); {
				if time.Now().After(deadline) {
					t.Fatal("a closed connection was never counted out of the caps")
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

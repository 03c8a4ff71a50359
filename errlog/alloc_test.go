//go:build !race

package errlog

import (
	"net"
	"testing"
)

// TestPutAllocs: an event loop may put an entry without allocating.
func TestPutAllocs(t *testing.T) {
	l := open(t, Options{RingSize: 1 << 16})
	defer l.Close()
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	e := Entry{Kind: "bad_request", Status: 400, Route: "/x", Method: "GET", RequestID: 7, Remote: remote, Message: "m"}
	if n := testing.AllocsPerRun(1000, func() { e.Time = e.Time.Add(1); l.Put(&e) }); n != 0 {
		t.Fatalf("Put allocates %v times, want 0", n)
	}
}

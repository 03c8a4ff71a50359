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

// TestDrainAllocs: draining and writing an entry allocates nothing once warm
// either, so logging costs the process no garbage in steady state.
func TestDrainAllocs(t *testing.T) {
	o := Options{Dir: t.TempDir()}
	l, err := Open(o) // for the defaults and the directory; its drain stays idle
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	d := newLog(l.opts) // a log whose drain this test runs itself
	defer d.w.Close()
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	e := Entry{Kind: "not_found", Status: 404, Route: "unmatched", Method: "GET", RequestID: 7, Remote: remote, Message: "m"}
	run := func() {
		d.Put(&e)
		d.drain()
	}
	for i := 0; i < 10; i++ {
		run()
	}
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Fatalf("Put and drain allocate %v times per entry, want 0", n)
	}
	if s := d.Stats(); s.Written != s.Produced {
		t.Fatalf("stats %+v", s)
	}
}

package client

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geometryos/daemon1/api"
	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

// rawAnswer reads one answer frame.
func rawAnswer(t *testing.T, r io.Reader) (status byte, id uint32, payload []byte) {
	t.Helper()
	var head [codec.FrameHeaderLen]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		t.Fatalf("reading an answer: %v", err)
	}
	payload = make([]byte, binary.BigEndian.Uint32(head[:])-5)
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatalf("reading an answer's payload: %v", err)
	}
	return head[4], binary.BigEndian.Uint32(head[5:]), payload
}

// rawDial opens a plain TCP connection.
func rawDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	return nc
}

// closedAfter checks that the server closes nc (reading gives EOF or a reset).
func closedAfter(t *testing.T, nc net.Conn) {
	t.Helper()
	if n, err := io.Copy(io.Discard, nc); err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("after %d more bytes: %v, want the connection closed", n, err)
	}
}

// A preamble of another protocol, or of another version, is answered once
// with the problem and the connection closes.
func TestBadPreamble(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		addr, _ := serve(t, engine, api.Options{}, server.Options{})
		for _, tc := range []struct {
			pre    []byte
			status byte
			detail string
		}{
			{[]byte{0xD1, 'X', 1, 0}, codec.StatusBadRequest, "not the preamble d1 50 01 00"},
			{[]byte{0xD1, 'P', 9, 0}, codec.StatusVersion, "protocol version 9 is not spoken here"},
		} {
			nc := rawDial(t, addr)
			nc.Write(tc.pre)
			status, id, payload := rawAnswer(t, nc)
			var p struct{ Detail string }
			json.Unmarshal(payload, &p)
			if status != tc.status || id != 0 || !strings.Contains(p.Detail, tc.detail) {
				t.Fatalf("preamble % x: status 0x%02x id %d %s", tc.pre, status, id, payload)
			}
			closedAfter(t, nc)
		}
	})
}

// A frame longer than the cap, or shorter than a frame can be, is refused
// and the connection closes; the frames before it are answered.
func TestFrameOverTheCap(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		addr, _ := serve(t, engine, api.Options{}, server.Options{Limits: server.Limits{MaxBodyBytes: 1 << 10}})
		for _, tc := range []struct {
			size   uint32
			status byte
		}{{1<<10 + 64<<10 + 1, codec.StatusTooLarge}, {4, codec.StatusBadRequest}} {
			nc := rawDial(t, addr)
			b := append(codec.Preamble[:0:0], codec.Preamble[:]...)
			b = codec.AppendFrameHeader(b, codec.OpPing, 7, 2)
			b = append(b, "ok"...)
			b = binary.BigEndian.AppendUint32(b, tc.size)
			nc.Write(b)
			if status, id, payload := rawAnswer(t, nc); status != codec.StatusOK || id != 7 || string(payload) != "ok" {
				t.Fatalf("the ping before: 0x%02x %d %q", status, id, payload)
			}
			if status, _, payload := rawAnswer(t, nc); status != tc.status {
				t.Fatalf("a frame of length %d: status 0x%02x %s", tc.size, status, payload)
			}
			closedAfter(t, nc)
		}
	})
}

// 10,000 frames pipelined without reading come back in order, each with
// its own request id, on both engines.
func TestPipeliningTenThousandDeep(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		addr, _ := serve(t, engine, api.Options{}, server.Options{})
		c := dial(t, addr, Options{})
		if _, err := c.CreateCollection(bg, "c", "", ""); err != nil {
			t.Fatal(err)
		}
		const n = 10000
		calls := make([]*Call, n)
		for i := range calls {
			if i%2 == 0 {
				calls[i] = c.PutAsync(bg, "c", Feature{ID: fmt.Sprint(i), Geometry: Point(float64(i%360)-180, 0)}, 0)
			} else {
				calls[i] = c.Go(bg, codec.OpPing, []byte(fmt.Sprint(i)))
			}
		}
		for i, call := range calls {
			if err := call.Wait(bg); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			if call.ID != calls[0].ID+uint32(i) {
				t.Fatalf("call %d has id %d, the first %d", i, call.ID, calls[0].ID)
			}
			if i%2 == 1 && string(call.Payload) != fmt.Sprint(i) {
				t.Fatalf("call %d answered %q", i, call.Payload)
			}
		}
		p, err := c.BBox(bg, "c", -180, -90, 180, 90, 10000, "")
		if err != nil || len(p.Features) != n/2 {
			t.Fatalf("after the pipeline: %d features, %v", len(p.Features), err)
		}
	})
}

// The raw order check: the answers' ids are the requests' ids, in order,
// however the requests were split across writes.
func TestAnswersEchoIDsInOrder(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		addr, _ := serve(t, engine, api.Options{}, server.Options{})
		nc := rawDial(t, addr)
		var b []byte
		b = append(b, codec.Preamble[:]...)
		ids := []uint32{5, 1, 0xFFFFFFFF, 42, 42, 9}
		for _, id := range ids {
			b = codec.AppendFrameHeader(b, codec.OpPing, id, 1)
			b = append(b, byte(id))
		}
		go func() {
			for len(b) > 0 { // split at odd points: one byte, then three, ...
				n := min(len(b), 1+len(b)%3)
				nc.Write(b[:n])
				b = b[n:]
				time.Sleep(time.Millisecond)
			}
		}()
		br := bufio.NewReader(nc)
		for _, want := range ids {
			status, id, payload := rawAnswer(t, br)
			if status != codec.StatusOK || id != want || len(payload) != 1 || payload[0] != byte(want) {
				t.Fatalf("answer 0x%02x id %d %v, want id %d", status, id, payload, want)
			}
		}
	})
}

// Writes need the token, presented once per connection in a hello.
func TestAuth(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		addr, _ := serve(t, engine, api.Options{Auth: api.NewAuth("s3cret")}, server.Options{})
		anon := dial(t, addr, Options{})
		_, err := anon.CreateCollection(bg, "c", "", "")
		if e := problemOf(t, err); e.Status != codec.StatusUnauthorized || !strings.Contains(e.Detail, "hello") {
			t.Fatalf("a write without a hello: %+v", e)
		}
		if _, err := anon.Ping(bg, nil); err != nil {
			t.Fatalf("a read without a hello: %v", err)
		}
		if _, err := Dial(bg, addr, Options{Token: "wrong"}); !strings.Contains(fmt.Sprint(err), "/problems/unauthorized") {
			t.Fatalf("a hello with the wrong token: %v", err)
		}
		ok := dial(t, addr, Options{Token: "s3cret"})
		if _, err := ok.CreateCollection(bg, "c", "", ""); err != nil {
			t.Fatalf("a write after the hello: %v", err)
		}
		if _, err := anon.Get(bg, "c", "x"); !IsNotFound(err) {
			t.Fatalf("a read on the other connection: %v", err)
		}
	})
}

// A client that sends and never reads is paused (its pipeline is full)
// and then closed by the write timeout; the server serves others meanwhile.
func TestClientThatStopsReadingIsPausedThenClosed(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		lim := server.Limits{MaxPendingOutput: 64 << 10, MaxPipeline: 64, WriteTimeout: 300 * time.Millisecond}
		addr, _ := serve(t, engine, api.Options{}, server.Options{Limits: lim})
		nc := rawDial(t, addr)
		if tc, ok := nc.(*net.TCPConn); ok {
			tc.SetReadBuffer(4 << 10)
		}
		frame := codec.AppendFrameHeader(nil, codec.OpPing, 1, 16<<10)
		frame = append(frame, make([]byte, 16<<10)...)
		var wg sync.WaitGroup
		wg.Add(1)
		sent := 0
		go func() {
			defer wg.Done()
			nc.Write(codec.Preamble[:])
			for i := 0; i < 4000; i++ { // 64 MB of pings asking for 64 MB back
				nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
				if _, err := nc.Write(frame); err != nil {
					return
				}
				sent++
			}
		}()
		other := dial(t, addr, Options{})
		if _, err := other.Ping(bg, []byte("x")); err != nil {
			t.Fatalf("another client meanwhile: %v", err)
		}
		wg.Wait()
		if sent == 4000 {
			t.Fatal("the server took 64 MB from a client that reads nothing: it was not paused")
		}
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, nc); err != nil && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("the client that never read: %v, want its connection closed", err)
		}
	})
}

// A drain answers what it has begun on binary connections and closes
// them: every call in flight either succeeded, and is in the store, or
// failed with ErrConnLost (never made); then the daemon is gone.
func TestDrainClosesBinaryConnections(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		st := store.New()
		s, _ := serveEngine(t, engine, api.Options{Store: st}, server.Options{})
		c := dial(t, s.Addr(), Options{})
		if _, err := c.CreateCollection(bg, "c", "", ""); err != nil {
			t.Fatal(err)
		}
		idle := dial(t, s.Addr(), Options{})
		if _, err := idle.Ping(bg, nil); err != nil {
			t.Fatal(err)
		}
		calls := make([]*Call, 2000)
		for i := range calls {
			calls[i] = c.PutAsync(bg, "c", Feature{ID: fmt.Sprint(i), Geometry: Point(1, 2)}, 0)
		}
		if _, err := s.Drain(5 * time.Second); err != nil {
			t.Fatalf("drain: %v", err)
		}
		made := 0
		for i, call := range calls {
			switch err := call.Wait(bg); {
			case err == nil:
				made++
				if _, ok := st.Collection("c").Get(fmt.Sprint(i)); !ok {
					t.Fatalf("put %d was acknowledged and is not in the store", i)
				}
			case !errors.Is(err, ErrConnLost):
				t.Fatalf("put %d: %v, want success or ErrConnLost", i, err)
			}
		}
		t.Logf("%s: %d of %d puts in flight made before the drain closed the connection", engine, made, len(calls))
		if _, err := idle.Ping(bg, nil); err == nil {
			t.Fatal("an idle binary connection still answered after the drain")
		}
	})
}

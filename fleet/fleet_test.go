package fleet

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/store"
)

// single starts a node with an embedded server of its own (a fleet of one,
// R1): the log's semantics, without a cluster's start-up time.
func single(t *testing.T) *Node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(ctx, Config{Node: "solo", Replicas: 1, Embedded: Embedded{Listen: addr, StoreDir: t.TempDir()}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

func batch(s string) []byte { return []byte(s) }

// Append takes a batch only at the position it names; a stale one is a
// *store.Conflict naming the log's last position; Follow delivers them all
// in order, from any position.
func TestAppendAndFollow(t *testing.T) {
	n := single(t)
	soon := func() time.Time { return time.Now().Add(5 * time.Second) }
	for at := range uint64(3) {
		pos, err := n.Append(batch("b"+string(rune('1'+at))), at, soon())
		if err != nil || pos != at+1 {
			t.Fatalf("Append at %d: position %d, %v", at, pos, err)
		}
	}
	_, err := n.Append(batch("late"), 1, soon())
	var c *store.Conflict
	if !errors.As(err, &c) || c.Last != 3 {
		t.Fatalf("Append at 1 of 3: %v, want a conflict at 3", err)
	}
	ch, err := n.Follow(2)
	if err != nil {
		t.Fatal(err)
	}
	for want := uint64(2); want <= 3; want++ {
		select {
		case e := <-ch:
			if e.Pos != want || string(e.Batch) != "b"+string(rune('0'+want)) {
				t.Fatalf("got %d %q, want position %d", e.Pos, e.Batch, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("position %d never came", want)
		}
	}
	// A batch appended later comes too.
	if _, err := n.Append(batch("b4"), 3, soon()); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ch:
		if e.Pos != 4 {
			t.Fatalf("got position %d, want 4", e.Pos)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("position 4 never came")
	}
	if last, err := n.Last(soon()); err != nil || last != 4 {
		t.Fatalf("Last: %d, %v; want 4", last, err)
	}
}

// A write that cannot reach the log in time says that nothing was
// written; Check reports a node that lost its connection, or is behind.
func TestUnavailableAndReadiness(t *testing.T) {
	n := single(t)
	deadline := time.Now().Add(10 * time.Second)
	for n.Check(0) != "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if why := n.Check(0); why != "" {
		t.Fatalf("an empty log's node is not ready: %s", why)
	}
	for at := range uint64(5) {
		if _, err := n.Append(batch("x"), at, time.Now().Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	for n.LastSeen() < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	n.cfg.MaxLag = 2
	if why := n.Check(1); !strings.Contains(why, "behind the fleet's log by 4") {
		t.Fatalf("4 behind with MaxLag 2: %q", why)
	}
	if why := n.Check(4); why != "" {
		t.Fatalf("1 behind with MaxLag 2: %q", why)
	}
	n.SetLoaded(9)
	if why := n.Check(9); !strings.Contains(why, "another log") {
		t.Fatalf("a snapshot past the log's end: %q", why)
	}
	n.SetLoaded(0)
	n.nc.Close()
	if why := n.Check(5); !strings.Contains(why, "not connected") {
		t.Fatalf("after the connection closed: %q", why)
	}
	_, err := n.Append(batch("y"), 5, time.Now().Add(300*time.Millisecond))
	if !errors.Is(err, store.ErrWriteFailed) && !errors.Is(err, store.ErrOutcomeUnknown) {
		t.Fatalf("Append without a connection: %v", err)
	}
	t.Logf("Append without a connection: %v", err)
}

// Error-log lines forwarded by a node are read back, each naming it.
func TestErrorsForwarded(t *testing.T) {
	n := single(t)
	n.ForwardErrors([]byte("{\"kind\":\"a\"}\n{\"kind\":\"b\"}\n"))
	n.ForwardErrors([]byte("{\"kind\":\"c\"}\n"))
	deadline := time.Now().Add(10 * time.Second)
	for n.Forwarded.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := n.RecentErrors(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got[0]) != `{"node":"solo","kind":"b"}` || string(got[1]) != `{"node":"solo","kind":"c"}` {
		t.Fatalf("recent errors: %s", got)
	}
}

// A node joins an existing NATS (-nats-url) the same way: the streams are
// made there, and the log works.
func TestExternalNATS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv, err := startEmbedded("external", Embedded{Listen: addr, StoreDir: t.TempDir(), MaxPayload: DefaultMaxPayload}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(ctx, Config{Node: "client", URL: srv.ClientURL(), Replicas: 1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if n.ClientURL() != "" {
		t.Fatalf("a node on an external NATS runs a server of its own: %s", n.ClientURL())
	}
	if pos, err := n.Append(batch("x"), 0, time.Now().Add(5*time.Second)); err != nil || pos != 1 {
		t.Fatalf("Append: %d, %v", pos, err)
	}
	if n.MaxBatch() != DefaultMaxPayload/2 {
		t.Fatalf("MaxBatch %d, want half the server's max_payload", n.MaxBatch())
	}
}

// A publish sent again with its message id after it committed (its answer
// was lost) is known for what it is: a clustered stream answers the retry
// with its position (it checks ids before the expected position); this
// single server checks the position first and answers a conflict, which
// Append resolves by reading the batch at the position it expected.
func TestRetryOfACommittedBatch(t *testing.T) {
	n := single(t)
	soon := time.Now().Add(5 * time.Second)
	if pos, err := n.append(batch("once"), 0, soon, "retry-1"); err != nil || pos != 1 {
		t.Fatalf("first: %d, %v", pos, err)
	}
	var c *store.Conflict
	if _, err := n.append(batch("once"), 0, soon, "retry-1"); !errors.As(err, &c) {
		t.Fatalf("the same message again on a single server: %v, want a conflict", err)
	}
	if !n.committedAs("retry-1", 1) || n.committedAs("retry-2", 1) || n.committedAs("retry-1", 2) {
		t.Fatal("committedAs does not tell the batch at position 1 by its id")
	}
	if last, _ := n.Last(soon); last != 1 {
		t.Fatalf("the log holds %d batches, want 1", last)
	}
}

package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// An idle connection gives back the buffers of the largest response it
// carried: 100 idle connections that each fetched 256 KiB hold far less
// than 100 × 256 KiB (they held about three times that).
func TestIdleConnectionsGiveBigBuffersBack(t *testing.T) {
	e, err := New(testRouter(), Options{Addr: "127.0.0.1:0", Workers: 4, Budget: 5 * time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	defer e.Drain(2 * time.Second)
	const conns, body = 100, 256 << 10
	before := heapInUse()
	var held []net.Conn
	for i := range conns {
		c, err := net.Dial("tcp", e.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
		fmt.Fprintf(c, "GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if n, _ := io.Copy(io.Discard, resp.Body); n != body {
			t.Fatalf("connection %d: body of %d bytes, want %d", i, n, body)
		}
	}
	grew := int64(heapInUse()) - int64(before)
	t.Logf("%d idle connections after a %d KiB response each: heap grew %d KiB", len(held), body>>10, grew>>10)
	if limit := int64(conns * maxPooledOut); grew > limit {
		t.Fatalf("heap grew %d KiB, want at most %d KiB (%d KiB a connection)", grew>>10, limit>>10, maxPooledOut>>10)
	}
}

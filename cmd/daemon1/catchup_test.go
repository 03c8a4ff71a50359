package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/store"
)

// bulkBody is a FeatureCollection of n point features with ids
// prefix<from>… .
func bulkBody(prefix string, from, n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		k := from + i
		fmt.Fprintf(&b, `{"type":"Feature","id":"%s%d","geometry":{"type":"Point","coordinates":[%d.%d,%d.%d]},"properties":{"k":%d}}`,
			prefix, k, k%359-179, k%97, k%170-85, k%89, k)
	}
	b.WriteString(`]}`)
	return b.String()
}

// count is the number of features of collection big on a node, once it
// has applied the log up to token.
func count(t *testing.T, base, token string) int {
	t.Helper()
	code, body, _ := call(http.DefaultClient, "GET", base+"/collections/big/items?limit=1", "", token)
	if code != 200 {
		t.Fatalf("GET items: %d %s", code, body)
	}
	var page struct{ NumberMatched int }
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page.NumberMatched
}

// A node restarted in a fleet of a million features catches up from its
// snapshot and the log's batches after it; without a snapshot, from the
// log's start. The times are reported, not asserted.
// DAEMON1_FLEET_FEATURES sets the size (default 1,000,000).
func TestFleetCatchUp(t *testing.T) {
	total := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("DAEMON1_FLEET_FEATURES")); err == nil && v > 0 {
		total = v
	}
	f := newFleet(t, build(t), nil)
	a, c := f.nodes[0], f.nodes[2]
	if code, body, _ := call(http.DefaultClient, "PUT", a.base()+"/collections/big", "", ""); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	const per = 10000
	client := &http.Client{Timeout: time.Minute}
	load := func(prefix string, n int) {
		for from := 0; from < n; from += per {
			code, body, _ := call(client, "POST", a.base()+"/collections/big/items", bulkBody(prefix, from, min(per, n-from)), "")
			if code != 201 {
				t.Fatalf("bulk insert at %d: %d %s", from, code, body)
			}
		}
	}
	start := time.Now()
	load("f", total)
	t.Logf("loaded %d features in %d bulk inserts through one node in %s", total, total/per, time.Since(start).Round(time.Millisecond))

	// Stopped (it writes its snapshot), missed some writes, restarted.
	if log, err := c.p.stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, log)
	}
	load("g", 2*per)
	start = time.Now()
	f.start(c)
	f.waitReady(c)
	took := time.Since(start)
	// Ready means caught up: no token needed.
	if got := count(t, c.base(), ""); got != total+2*per {
		t.Fatalf("ready after the restart, %s has %d features, want %d", c.name, got, total+2*per)
	}
	t.Logf("restart from its snapshot (and the 2 bulk inserts it missed): ready in %s; %s", took.Round(time.Millisecond), loadedLine(c.p.log.String()))

	// Without its snapshot: the whole log, from its start.
	c.p.stop()
	if err := os.Remove(filepath.Join(c.data, store.SnapshotName)); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	f.start(c)
	f.waitReady(c)
	took = time.Since(start)
	if got := count(t, c.base(), ""); got != total+2*per {
		t.Fatalf("ready after replaying the log, %s has %d features, want %d", c.name, got, total+2*per)
	}
	t.Logf("restart without a snapshot (the whole log, %d features): ready in %s", total+2*per, took.Round(time.Millisecond))
}

// loadedLine is the line of a node's log that says what its snapshot held.
func loadedLine(log string) string {
	for _, l := range strings.Split(log, "\n") {
		if i := strings.Index(l, "loaded "); i >= 0 && strings.Contains(l, "fleet node") {
			return l[i:]
		}
	}
	return ""
}

package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/geometryos/daemon1/client"
)

// binaryOnAFleet writes through the binary protocol on one node, with the
// Go client: the writes reach every node, and a conditional write is
// decided by the fleet's log on another node as over REST.
func binaryOnAFleet(t *testing.T, f *testFleet) {
	ctx := context.Background()
	c, err := client.Dial(ctx, f.nodes[0].http, client.Options{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fs := make([]client.Feature, 200)
	for i := range fs {
		fs[i] = client.Feature{ID: fmt.Sprintf("bin-%d", i), Geometry: client.Point(float64(i)/10, 1)}
	}
	versions, _, err := c.PutAll(ctx, "c", fs)
	if err != nil {
		t.Fatalf("pipelined binary puts on %s: %v", f.nodes[0].name, err)
	}
	for _, n := range f.nodes {
		eventually(t, 20*time.Second, "the binary puts on "+n.name, func() bool {
			all := everything(t, n.base(), "")
			for _, ft := range fs {
				if _, ok := all[ft.ID]; !ok {
					return false
				}
			}
			return true
		})
	}
	other, err := client.Dial(ctx, f.nodes[1].http, client.Options{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	v, _, err := other.Put(ctx, "c", client.Feature{ID: "bin-0", Geometry: client.Point(5, 5)}, client.Match(versions[0]))
	if err != nil {
		t.Fatalf("a put expecting the version node %s gave, on %s: %v", f.nodes[0].name, f.nodes[1].name, err)
	}
	if _, _, err := c.Put(ctx, "c", client.Feature{ID: "bin-0", Geometry: client.Point(6, 6)}, client.Match(versions[0])); !client.IsPrecondition(err) {
		t.Fatalf("a put expecting a version another node replaced (now %d): %v, want a precondition failure", v, err)
	}
}

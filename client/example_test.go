package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/geometryos/daemon1/client"
)

// The README's program: write, pipeline, search. (Compiled, not run: it
// needs a daemon on 127.0.0.1:8080.)
func Example() {
	ctx := context.Background()
	c, err := client.Dial(ctx, "127.0.0.1:8080", client.Options{}) // Token: for -auth-token-file
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.CreateCollection(ctx, "cars", "Cars", "")
	v, created, err := c.Put(ctx, "cars", client.Feature{ID: "car-1", Geometry: client.Point(13.4, 52.5),
		Properties: json.RawMessage(`{"speed":42}`)}, 0) // durable once it returns
	fmt.Println(v, created, err)
	calls := []*client.Call{c.PutAsync(ctx, "cars", client.Feature{ID: "car-2", Geometry: client.Point(13.5, 52.5)}, 0)}
	_ = calls[0].Wait(ctx)                                        // futures: send many, then wait
	page, err := c.Nearby(ctx, "cars", 13.45, 52.5, 10, 1000, "") // the 10 nearest within 1 km
	fmt.Println(len(page.Features), err)
}

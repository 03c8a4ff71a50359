package client

import (
	"context"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/api"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

// engines are the two engines the protocol is served by.
var engines = []string{"gnet", "fasthttp"}

// serve starts an engine with the API over a fresh store and returns its
// address; it stops with the test.
func serve(t *testing.T, engine string, o api.Options, so server.Options) (addr string, obs *server.Observer) {
	t.Helper()
	s, obs := serveEngine(t, engine, o, so)
	return s.Addr(), obs
}

// serveEngine is serve, returning the engine.
func serveEngine(t *testing.T, engine string, o api.Options, so server.Options) (server.Server, *server.Observer) {
	t.Helper()
	if o.Store == nil {
		o.Store = store.New()
	}
	obs := server.NewObserver(metrics.NewSet())
	r := server.NewRouter(obs)
	api.NewFeatures(o).Register(r)
	so.Addr, so.Logf = "127.0.0.1:0", t.Logf
	if so.Budget == 0 {
		so.Budget = 5 * time.Second
	}
	s, err := server.NewServer(engine, r, so)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Drain(2 * time.Second) })
	return s, obs
}

// dial connects a client for one test.
func dial(t *testing.T, addr string, o Options) *Client {
	t.Helper()
	c, err := Dial(context.Background(), addr, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// eachEngine runs fn as a subtest on each engine.
func eachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, e := range engines {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// spec is the embedded OpenAPI document, loaded and validated once.
var spec = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIDoc)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	for _, ct := range []string{"application/problem+json", "application/geo+json", "application/merge-patch+json",
		"application/vnd.oai.openapi+json", "application/schema+json"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.JSONBodyDecoder)
	}
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	return legacy.NewRouter(doc)
})

// daemon is a running engine with the API, for one test.
type daemon struct {
	t     *testing.T
	base  string
	store *store.Store
	srv   server.Server
	obs   *server.Observer
}

// metric returns the value of one series of the daemon's metrics, or "".
func (d *daemon) metric(series string) string {
	var b bytes.Buffer
	d.obs.Set().WritePrometheus(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if name, v, ok := strings.Cut(line, " "); ok && name == series {
			return v
		}
	}
	return ""
}

func startDaemon(t *testing.T, engine string, o Options) *daemon {
	t.Helper()
	return startDaemonWith(t, engine, o, server.Options{Workers: 8, Budget: 5 * time.Second})
}

// startDaemonWith is startDaemon with the engine's options (its address is
// always 127.0.0.1:0).
func startDaemonWith(t *testing.T, engine string, o Options, so server.Options) *daemon {
	t.Helper()
	if o.Store == nil {
		o.Store = store.New()
	}
	obs := server.NewObserver(metrics.NewSet())
	r := server.NewRouter(obs)
	NewHealth(nil).Register(r)
	NewFeatures(o).Register(r)
	so.Addr, so.Logf = "127.0.0.1:0", t.Logf
	s, err := server.NewServer(engine, r, so)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := s.Drain(2 * time.Second); err != nil {
			t.Errorf("drain: %v", err)
		}
	})
	return &daemon{t: t, base: "http://" + s.Addr(), store: o.Store, srv: s, obs: obs}
}

// reply is a response, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r *reply) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return v
}

// do sends a request and checks the response against the OpenAPI document.
// headers are name, value pairs.
func (d *daemon) do(method, path, body string, headers ...string) *reply {
	d.t.Helper()
	req, err := http.NewRequest(method, d.base+path, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	d.validate(req, resp, b)
	return &reply{resp.StatusCode, resp.Header, b}
}

// validate checks a response against the OpenAPI document: its status is
// documented for the operation, and its headers and body fit the schema.
func (d *daemon) validate(req *http.Request, resp *http.Response, body []byte) {
	d.t.Helper()
	router, err := spec()
	if err != nil {
		d.t.Fatalf("the OpenAPI document: %v", err)
	}
	// The router splits the decoded path: give it the escaped one, so that
	// an id holding an escaped "/" stays one segment.
	req = req.Clone(context.Background())
	req.URL.Path = req.URL.EscapedPath()
	route, params, err := router.FindRoute(req)
	if err != nil {
		d.t.Fatalf("%s %s: not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: resp.StatusCode,
		Header: resp.Header,
		Body:   io.NopCloser(bytes.NewReader(body)),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		d.t.Fatalf("%s %s → %d %s\ndoes not fit the OpenAPI document: %v", req.Method, req.URL, resp.StatusCode, clipBody(body), err)
	}
}

func clipBody(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// expect checks a reply's status and, for a problem, its type.
func (r *reply) expect(t *testing.T, status int, problemType string) *reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, clipBody(r.body))
	}
	if problemType != "" {
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("Content-Type %q, want application/problem+json", ct)
		}
		p := r.json(t)
		if p["type"] != problemType || p["detail"] == "" || p["instance"] == "" {
			t.Fatalf("problem %v, want type %s with a detail and an instance", p, problemType)
		}
	}
	return r
}

package api

import (
	"fmt"
	"github.com/valyala/fasthttp"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

// polygon is a closed ring of n+1 positions around (0.5, 0.5).
func polygon(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i <= n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		a := float64(i%n) * 2 * 3.141592653589793 / float64(n)
		fmt.Fprintf(&b, "[%.7f,%.7f]", 0.5+0.4*math.Cos(a), 0.5+0.4*math.Sin(a))
	}
	b.WriteString(`]]}`)
	return b.String()
}

func TestVertexCap(t *testing.T) {
	d := startDaemon(t, "gnet", Options{MaxVertices: 1000})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	big, ok := polygon(1000), polygon(999) // 1001 and 1000 positions
	for _, r := range []*reply{
		d.do("POST", "/collections/c/search", `{"within":`+big+`}`),
		d.do("POST", "/collections/c/items", `{"type":"Feature","geometry":`+big+`}`),
		d.do("PUT", "/collections/c/items/x", `{"type":"Feature","geometry":`+big+`}`),
	} {
		r.expect(t, 422, "/problems/invalid-geometry")
		if detail := r.json(t)["detail"].(string); !strings.Contains(detail, "1001 positions") || !strings.Contains(detail, "-max-vertices") {
			t.Fatalf("detail %q: want the count and the flag", detail)
		}
	}
	d.do("POST", "/collections/c/search", `{"within":`+ok+`}`).expect(t, 200, "")
	d.do("PUT", "/collections/c/items/x", `{"type":"Feature","geometry":`+ok+`}`).expect(t, 201, "")
}

// A search with a large body is parsed on a worker, not on an event loop:
// while two clients loop searches with 50,000-vertex polygons, GET /healthz
// keeps being answered from the loops (its latency is logged; timings are
// not asserted on this shared machine).
func TestLargeSearchesLeaveTheLoops(t *testing.T) {
	d := startDaemonWith(t, "gnet", Options{}, server.Options{Workers: 8, Budget: 5 * time.Second, Loops: 1})
	d.do("PUT", "/collections/c", "").expect(t, 201, "")
	body := `{"within":` + polygon(50000) + `}`
	waits := func() int {
		n, _ := strconv.Atoi(d.metric("daemon1_worker_queue_wait_seconds_count"))
		return n
	}
	before := waits()
	var stop atomic.Bool
	var wg sync.WaitGroup
	searches := atomic.Int64{}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				resp, err := http.Post(d.base+"/collections/c/search", "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("search: %d", resp.StatusCode)
					return
				}
				searches.Add(1)
			}
		}()
	}
	var lat []time.Duration
	for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); {
		start := time.Now()
		resp, err := http.Get(d.base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
	}
	stop.Store(true)
	wg.Wait()
	slices.Sort(lat)
	t.Logf("%d large searches; GET /healthz ×%d alongside: p50 %s, p99 %s, max %s", searches.Load(), len(lat),
		lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
	if got := waits() - before; int64(got) < searches.Load() {
		t.Fatalf("%d searches went through the worker pool, want all %d", got, searches.Load())
	}
}

// A page too large to encode within the budget is cut where the budget ran
// out, with a next cursor to go on from: with a budget so small that every
// page is cut, paging still returns the k nearest, each once, in order
// (nearby), and every feature once (a listing).
func TestPagesCutAtTheBudget(t *testing.T) {
	d := startDaemonWith(t, "gnet", Options{}, server.Options{Workers: 4, Budget: time.Nanosecond})
	d.store.Create("c", "", "") // (a write through the API would wait for a worker past the budget)
	var body strings.Builder
	body.WriteString(`{"type":"FeatureCollection","features":[`)
	const n = 400
	for i := range n {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"type":"Feature","id":"f%03d","geometry":{"type":"Point","coordinates":[%g,%g]}}`, i, float64(i%20)*0.01, float64(i/20)*0.01)
	}
	body.WriteString(`]}`)
	d.store.Collection("c").InsertAll(mustParseItems(t, body.String()))

	const k = 300
	var got []string
	var last float64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatal("paging does not end")
		}
		req := fmt.Sprintf(`{"nearby":{"point":[0.1,0.1],"k":%d},"limit":1000%s}`, k, cursor)
		doc := d.do("POST", "/collections/c/search", req).expect(t, 200, "").json(t)
		for _, f := range doc["features"].([]any) {
			fm := f.(map[string]any)
			if dist := fm["distance"].(float64); dist < last {
				t.Fatalf("distance %g after %g: out of order", dist, last)
			} else {
				last = dist
			}
			got = append(got, fm["id"].(string))
		}
		next, ok := doc["next"].(string)
		if !ok {
			break
		}
		cursor = `,"cursor":"` + next + `"`
	}
	if len(got) != k || len(uniq(got)) != k {
		t.Fatalf("%d features (%d distinct), want the %d nearest once each", len(got), len(uniq(got)), k)
	}

	var listed []string
	for path := "/collections/c/items?limit=1000"; path != ""; {
		doc := d.do("GET", path, "").expect(t, 200, "").json(t)
		for _, f := range doc["features"].([]any) {
			listed = append(listed, f.(map[string]any)["id"].(string))
		}
		path = ""
		for _, l := range doc["links"].([]any) {
			if lm := l.(map[string]any); lm["rel"] == "next" {
				path = strings.TrimPrefix(lm["href"].(string), d.base)
			}
		}
	}
	if len(listed) != n || len(uniq(listed)) != n || !slices.IsSorted(listed) {
		t.Fatalf("the listing gave %d features (%d distinct, sorted %v), want all %d once, in id order", len(listed), len(uniq(listed)), slices.IsSorted(listed), n)
	}
}

func uniq(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

func mustParseItems(t *testing.T, raw string) []*store.Input {
	t.Helper()
	_, many, err := store.ParseItems([]byte(raw), 100000, 0)
	if err != nil {
		t.Fatal(err)
	}
	return many
}

// encodeFeatures cuts a page once its deadline passed, and the cut page
// resumes after its last feature.
func TestEncodeFeaturesCuts(t *testing.T) {
	s := store.New()
	c, _, _ := s.Create("c", "", "")
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":"f%03d","geometry":{"type":"Point","coordinates":[%d,0]}}`, i, i%90)
	}
	b.WriteString(`]}`)
	c.InsertAll(mustParseItems(t, b.String()))
	for _, kind := range []store.Kind{store.All, store.Nearby} {
		l := &listing{q: store.Query{Kind: kind, Limit: 100, K: 100}}
		l.p.Reset()
		c.Query(&l.q, &l.p)
		l.encodeFeatures(&fasthttp.RequestCtx{}, time.Now().Add(-time.Second))
		if n := len(l.p.Features); n != 31 || !l.p.Next.Set || l.p.Next.ID != l.p.Features[30].ID() || strings.Count(string(l.feats), `"type":"Feature"`) != 31 {
			t.Fatalf("kind %v: %d features kept, next %+v: want the page cut at 31, resuming after the 31st", kind, n, l.p.Next)
		}
		if kind == store.Nearby && l.p.Next.Rank != 31 {
			t.Fatalf("nearby cut: rank %d, want 31", l.p.Next.Rank)
		}
	}
}

package api

import (
	"fmt"
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

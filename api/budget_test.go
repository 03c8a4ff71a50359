package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

// withPoints is a daemon on engine, with the default budget, serving a
// collection "pts" of n points loaded straight into its store.
func withPoints(t *testing.T, engine string, n int) *daemon {
	t.Helper()
	return withPointsOn(t, engine, server.Options{Workers: 8}, n)
}

// withPointsOn is withPoints with the engine's options.
func withPointsOn(t *testing.T, engine string, so server.Options, n int) *daemon {
	t.Helper()
	d := startDaemonWith(t, engine, Options{}, so)
	c, _, err := d.store.Create("pts", "", "")
	if err != nil {
		t.Fatal(err)
	}
	ins := make([]*store.Input, n)
	for i := range ins {
		if ins[i], err = store.NewPointInput(fmt.Sprintf("p%06d", i), float64(i%1000)*0.01, float64(i/1000)*0.01, []byte(`{"n":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.InsertAll(ins); err != nil {
		t.Fatal(err)
	}
	return d
}

// page is what a test needs of a page of items.
type testPage struct {
	Features []json.RawMessage `json:"features"`
	Links    []struct{ Rel, Href string }
}

func (p *testPage) next() string {
	for _, l := range p.Links {
		if l.Rel == "next" {
			return l.Href
		}
	}
	return ""
}

// checkPage fails unless an answer to a page of limit items is a 200 with
// the page full, or cut short with a next link: a read that has started
// is never refused for time, it answers what it found in its budget.
func checkPage(t *testing.T, i int, status int, body []byte, limit int) int {
	t.Helper()
	if status != 200 {
		t.Fatalf("page %d: %d %s; want 200 (a started read is cut, never refused)", i, status, clipBody(body))
	}
	var p testPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("page %d: %v", i, err)
	}
	if len(p.Features) != limit && p.next() == "" {
		t.Fatalf("page %d: %d features and no next link; want %d, or a next link", i, len(p.Features), limit)
	}
	return len(p.Features)
}

// The largest page the API advertises (limit=10000), asked of an idle
// daemon over 100,000 points, forty times one after another and then
// pipelined eight deep on one connection: every answer is a 200, full or
// ending with a next link (docs/api.md, the budget).
func TestLargestPageIsNeverRefused(t *testing.T) {
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) {
			d := withPoints(t, engine, 100_000)
			const path = "/collections/pts/items?limit=10000"
			full := 0
			for i := range 40 {
				resp, err := http.Get(d.base + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if checkPage(t, i, resp.StatusCode, body, 10000) == 10000 {
					full++
				}
			}
			nc, err := net.Dial("tcp", strings.TrimPrefix(d.base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.Write([]byte(strings.Repeat("GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n", 8)))
			nc.SetReadDeadline(time.Now().Add(time.Minute))
			br := bufio.NewReader(nc)
			for i := range 8 {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("pipelined page %d: %v", i, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if checkPage(t, i, resp.StatusCode, body, 10000) == 10000 {
					full++
				}
			}
			t.Logf("%s: %d of 48 pages of 10,000 full, the rest cut with a next link", engine, full)
		})
	}
}

// A nearby search whose filter matches nothing, over 100,000 points (the
// bench does 1M): each answer is a 200, empty, with a next cursor that
// goes on past the last (or none, on the last page). It runs on a worker
// (a filter may spend the search's budget), which yields between chunks of
// its walk, so /healthz on the same event loop, asked all the while two
// clients page through such searches, is not held up behind them: its
// latency is logged (a figure, not an assertion; the bench measures it).
func TestNearbyFilterMatchingNothing(t *testing.T) {
	d := withPointsOn(t, "gnet", server.Options{Workers: 8, Loops: 1}, 100_000)
	const body = `{"nearby":{"point":[5,1],"k":10},"filter":"n = 2"%s}`
	search := func(pages int) {
		cursor, last := "", ""
		for i := range pages {
			resp, err := http.Post(d.base+"/collections/pts/search", "application/json", strings.NewReader(fmt.Sprintf(body, cursor)))
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var p struct {
				Features []json.RawMessage
				Next     string
			}
			if resp.StatusCode != 200 || json.Unmarshal(b, &p) != nil || len(p.Features) != 0 {
				t.Errorf("page %d: %d %s; want a 200 without features", i, resp.StatusCode, clipBody(b))
				return
			}
			if p.Next == "" {
				return
			}
			if p.Next == last {
				t.Errorf("page %d: the same cursor again: paging does not go on", i)
				return
			}
			last, cursor = p.Next, `,"cursor":"`+p.Next+`"`
		}
	}
	var wg sync.WaitGroup
	var done atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer done.Add(1)
			search(100)
		}()
	}
	var lat []time.Duration
	for done.Load() < 2 {
		start := time.Now()
		resp, err := http.Get(d.base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
	}
	wg.Wait()
	slices.Sort(lat)
	t.Logf("two clients each paging 100 times through a filter matching none of 100,000 points; GET /healthz ×%d alongside on the same loop: p50 %s, p99 %s, max %s",
		len(lat), lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
}

package api

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

// An error answer to a write means nothing changed: with many concurrent
// writers and a budget far too small for them, every write answered 2xx
// exists afterwards and every write answered otherwise does not.
func TestWritesTellTheTruth(t *testing.T) {
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) {
			d := startDaemonWith(t, engine, Options{}, server.Options{Workers: 16, Budget: 300 * time.Microsecond})
			d.store.Create("c", "", "")
			const writers, each = 256, 6
			type answer struct {
				id     string // "" for a POST without one
				status int
			}
			answers := make(chan answer, writers*each)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: writers}}
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						method, path, id := "PUT", "", fmt.Sprintf("w%d-%d", w, i)
						if i%2 == 1 {
							method, path, id = "POST", "/collections/c/items", ""
						} else {
							path = "/collections/c/items/" + id
						}
						body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%d.5,%d.5]},"properties":{"w":%d}}`, w%90, i, w)
						req, _ := http.NewRequest(method, d.base+path, strings.NewReader(body))
						req.Header.Set("Content-Type", "application/geo+json")
						resp, err := client.Do(req)
						if err != nil {
							t.Errorf("%s %s: %v", method, path, err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						answers <- answer{id, resp.StatusCode}
					}
				}()
			}
			wg.Wait()
			client.CloseIdleConnections()
			close(answers)
			c := d.store.Collection("c")
			made, refused := 0, 0
			for a := range answers {
				ok := a.status/100 == 2
				if ok {
					made++
				} else if a.status != 503 {
					t.Errorf("status %d: want 2xx or 503", a.status)
				} else {
					refused++
				}
				if a.id == "" {
					continue
				}
				if _, exists := c.Get(a.id); exists != ok {
					t.Errorf("PUT %s answered %d, but the feature exists = %v", a.id, a.status, exists)
				}
			}
			if c.Len() != made {
				t.Errorf("%d features stored, %d writes answered 2xx (%d refused)", c.Len(), made, refused)
			}
			t.Logf("%d made, %d refused with 503", made, refused)
		})
	}
}

// Pipelined writes tell the truth too: 50 connections each pipeline 16
// PUTs under a budget far too small; every answer 2xx is stored, every
// other is not.
func TestPipelinedWritesTellTheTruth(t *testing.T) {
	d := startDaemonWith(t, "gnet", Options{}, server.Options{Workers: 256, Budget: 3 * time.Millisecond})
	d.store.Create("c", "", "")
	const conns, depth = 50, 16
	type answer struct {
		id     string
		status int
	}
	answers := make(chan answer, conns*depth)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", strings.TrimPrefix(d.base, "http://"))
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			var raw strings.Builder
			for i := range depth {
				body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%d.5,%d.5]}}`, w%90, i)
				fmt.Fprintf(&raw, "PUT /collections/c/items/p%d-%d HTTP/1.1\r\nHost: a\r\nContent-Type: application/geo+json\r\nContent-Length: %d\r\n\r\n%s", w, i, len(body), body)
			}
			c.Write([]byte(raw.String()))
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			br := bufio.NewReader(c)
			for i := range depth {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Errorf("connection %d, answer %d: %v", w, i, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				answers <- answer{fmt.Sprintf("p%d-%d", w, i), resp.StatusCode}
			}
		}()
	}
	wg.Wait()
	close(answers)
	c := d.store.Collection("c")
	made := 0
	for a := range answers {
		_, exists := c.Get(a.id)
		if ok := a.status/100 == 2; ok != exists {
			t.Errorf("PUT %s answered %d, but the feature exists = %v", a.id, a.status, exists)
		} else if ok {
			made++
		}
	}
	if c.Len() != made {
		t.Errorf("%d stored, %d answered 2xx", c.Len(), made)
	}
	t.Logf("%d of %d pipelined writes made", made, conns*depth)
}

// A PUT the store cannot take (here: it is closed) is answered 503 on both
// engines, whether the committer would have answered it (gnet) or the
// handler waits for the store (fasthttp.Server).
func TestPutRefusedByTheStore(t *testing.T) {
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) {
			s := store.New()
			if _, _, err := s.Create("c", "", ""); err != nil {
				t.Fatal(err)
			}
			s.Close()
			d := startDaemon(t, engine, Options{Store: s})
			d.do("PUT", "/collections/c/items/a", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":null}`).
				expect(t, 503, ProblemUnavailable.Type)
			if _, ok := s.Collection("c").Get("a"); ok {
				t.Fatal("a refused write was made")
			}
		})
	}
}

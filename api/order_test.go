package api

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
)

// Pipelined requests are made in the order sent, not only answered in it
// (RFC 9112 §9.3.2: only safe methods may be processed in parallel): a
// collection made by a request on a worker exists for the PUT of a
// feature pipelined behind it, which the GET behind that sees; a DELETE
// behind the GET does not change what the GET saw.
func TestPipelinedRequestsAreMadeInOrder(t *testing.T) {
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) {
			d := startDaemonWith(t, engine, Options{}, server.Options{Workers: 8, Budget: 5 * time.Second})
			c, err := net.Dial("tcp", strings.TrimPrefix(d.base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			feature := `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":null}`
			reqs := []string{
				"PUT /collections/o HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
				"PUT /collections/o/items/a HTTP/1.1\r\nHost: t\r\nContent-Type: application/geo+json\r\nContent-Length: " + itoa(len(feature)) + "\r\n\r\n" + feature,
				"GET /collections/o/items/a HTTP/1.1\r\nHost: t\r\n\r\n",
				"DELETE /collections/o/items/a HTTP/1.1\r\nHost: t\r\n\r\n",
				"GET /collections/o/items/a HTTP/1.1\r\nHost: t\r\n\r\n",
				"DELETE /collections/o HTTP/1.1\r\nHost: t\r\n\r\n",
				"GET /collections/o HTTP/1.1\r\nHost: t\r\n\r\n",
			}
			want := []int{201, 201, 200, 204, 404, 204, 404}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Write([]byte(strings.Join(reqs, ""))); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			for i, w := range want {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				resp.Body.Close()
				if resp.StatusCode != w {
					t.Fatalf("answer %d (%s): %d, want %d", i, strings.SplitN(reqs[i], "\r\n", 2)[0], resp.StatusCode, w)
				}
			}
		})
	}
}

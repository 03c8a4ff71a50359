// Command rawgnet is the ceiling for an HTTP server on gnet here: for every
// "\r\n\r\n" it reads it writes one fixed 200 response. It does no real
// parsing (bodies are not supported), so it is a baseline, not a server.
package main

import (
	"bytes"
	"flag"
	"log"
	"runtime"

	"github.com/panjf2000/gnet/v2"
)

var response = []byte("HTTP/1.1 200 OK\r\nServer: rawgnet\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nok\n")

type responder struct {
	gnet.BuiltinEventEngine
}

func (r *responder) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	n, consumed := 0, 0
	for {
		i := bytes.Index(buf[consumed:], []byte("\r\n\r\n"))
		if i < 0 {
			break
		}
		consumed += i + 4
		n++
	}
	if n == 0 {
		return gnet.None
	}
	out, _ := c.Context().(*[]byte)
	if out == nil {
		out = new([]byte)
		c.SetContext(out)
	}
	*out = (*out)[:0]
	for i := 0; i < n; i++ {
		*out = append(*out, response...)
	}
	c.Discard(consumed)
	c.Write(*out)
	return gnet.None
}

func main() {
	addr := flag.String("listen", "127.0.0.1:8081", "host:port")
	loops := flag.Int("loops", runtime.NumCPU(), "event loops")
	flag.Parse()
	log.Fatal(gnet.Run(&responder{}, "tcp://"+*addr,
		gnet.WithMulticore(*loops > 1), gnet.WithNumEventLoop(*loops)))
}

package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/codec"
)

// The mixed pipelines of the budget's acceptance: 250 rounds of a put of
// one of 10 keys, a get of it, a ping and a get of a missing feature, sent
// in one write to an idle daemon with the default budget. Every answer
// comes back, in order, none refused; each get sees the put just before it
// and none after (the keys repeat every 10 rounds); and the puts share
// fsyncs.
const mixedRounds = 250

// mixedDaemon starts a durable daemon (-fsync always) with the default
// budget on engine, with a collection "c"; it returns it and a function
// that counts its fsyncs so far.
func mixedDaemon(t *testing.T, engine string) (*proc, func() int) {
	p := start(t, build(t), nil, "-engine", engine, "-budget", "10ms")
	t.Cleanup(func() { p.stop() })
	req, _ := http.NewRequest("PUT", "http://"+p.addr+"/collections/c", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return p, func() int {
		var n int
		fmt.Sscan(metricOf(t, p.addr, "daemon1_aof_fsync_seconds_count"), &n)
		return n
	}
}

// checkFsyncs fails unless the rounds' puts shared fsyncs: at least five
// puts to an fsync on average (a count, not a time; it is logged).
func checkFsyncs(t *testing.T, what string, n int) {
	t.Helper()
	t.Logf("%s: %d puts, %d fsyncs", what, mixedRounds, n)
	if n <= 0 || n > mixedRounds/5 {
		t.Fatalf("%s: %d fsyncs for %d puts: want them group-committed (at most %d)", what, n, mixedRounds, mixedRounds/5)
	}
}

func frame(dst []byte, op byte, id uint32, payload []byte) []byte {
	return append(codec.AppendFrameHeader(dst, op, id, len(payload)), payload...)
}

func TestMixedBinaryPipelineInOrder(t *testing.T) {
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) {
			p, fsyncs := mixedDaemon(t, engine)
			before := fsyncs()
			out := append([]byte(nil), codec.Preamble[:]...)
			for i := range mixedRounds {
				key := fmt.Sprintf("k%d", i%10)
				put := codec.AppendStr16(codec.AppendStr16([]byte{0}, "c"), key)
				put = codec.AppendBytes32(put, codec.AppendWKBPoint(nil, float64(i%360)-180, 1))
				put = codec.AppendBytes32(put, fmt.Sprintf(`{"round":%d}`, i))
				get := codec.AppendStr16(codec.AppendStr16(nil, "c"), key)
				missing := codec.AppendStr16(codec.AppendStr16(nil, "c"), "nobody")
				id := uint32(4 * i)
				out = frame(out, codec.OpPut, id, put)
				out = frame(out, codec.OpGet, id+1, get)
				out = frame(out, codec.OpPing, id+2, []byte("p"))
				out = frame(out, codec.OpGet, id+3, missing)
			}
			nc, err := net.Dial("tcp", p.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if _, err := nc.Write(out); err != nil {
				t.Fatal(err)
			}
			nc.SetReadDeadline(time.Now().Add(time.Minute))
			br := bufio.NewReader(nc)
			for i := range 4 * mixedRounds {
				var head [9]byte
				if _, err := io.ReadFull(br, head[:]); err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				body := make([]byte, binary.BigEndian.Uint32(head[:])-5)
				if _, err := io.ReadFull(br, body); err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				status, id := head[4], binary.BigEndian.Uint32(head[5:])
				if id != uint32(i) {
					t.Fatalf("answer %d carries request id %d: out of order", i, id)
				}
				round := i / 4
				switch i % 4 {
				case 0, 2:
					if status > 0x01 {
						t.Fatalf("answer %d (put or ping): status %#02x %q", i, status, body)
					}
				case 1:
					if status != 0 || !bytes.HasSuffix(body, []byte(fmt.Sprintf(`{"round":%d}`, round))) {
						t.Fatalf("get of round %d: status %#02x, %q: want the put just before it, and none after", round, status, body)
					}
				case 3:
					if status != 0x44 {
						t.Fatalf("get of a missing feature: status %#02x %q, want 0x44", status, body)
					}
				}
			}
			checkFsyncs(t, "binary on "+engine, fsyncs()-before)
		})
	}
}

// fasthttp.Server reads a connection's next request only once it has
// answered the last: there a pipeline's puts commit one at a time (its
// fsyncs are logged, not judged); the answers are the same.
func TestMixedHTTPPipelineInOrder(t *testing.T) {
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) { mixedHTTP(t, engine) })
	}
}

func mixedHTTP(t *testing.T, engine string) {
	p, fsyncs := mixedDaemon(t, engine)
	before := fsyncs()
	var out strings.Builder
	for i := range mixedRounds {
		body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"round":%d}}`, i)
		fmt.Fprintf(&out, "PUT /collections/c/items/k%d HTTP/1.1\r\nHost: a\r\nContent-Type: application/geo+json\r\nContent-Length: %d\r\n\r\n%s", i%10, len(body), body)
		fmt.Fprintf(&out, "GET /collections/c/items/k%d HTTP/1.1\r\nHost: a\r\n\r\n", i%10)
		out.WriteString("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
		out.WriteString("GET /collections/c/items/nobody HTTP/1.1\r\nHost: a\r\n\r\n")
	}
	nc, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	go nc.Write([]byte(out.String())) // (the answers may fill the socket before the requests are all sent)
	nc.SetReadDeadline(time.Now().Add(time.Minute))
	br := bufio.NewReader(nc)
	for i := range 4 * mixedRounds {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		round, want := i/4, []int{201, 200, 200, 404}[i%4]
		if round >= 10 && i%4 == 0 {
			want = 200 // a replacement
		}
		if resp.StatusCode != want {
			t.Fatalf("answer %d: %d %s, want %d", i, resp.StatusCode, body, want)
		}
		if i%4 == 1 {
			var f struct{ Properties struct{ Round int } }
			if err := json.Unmarshal(body, &f); err != nil || f.Properties.Round != round {
				t.Fatalf("get of round %d: %s: want the put just before it, and none after", round, body)
			}
		}
	}
	if engine == "fasthttp" {
		t.Logf("HTTP on fasthttp: %d puts, %d fsyncs", mixedRounds, fsyncs()-before)
		return
	}
	checkFsyncs(t, "HTTP on gnet", fsyncs()-before)
}

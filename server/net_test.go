package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/geometryos/daemon1/server"
)

// start runs an engine on 127.0.0.1:0 with the test routes and stops it when
// the test ends.
func start(t *testing.T, engine string, o server.Options) server.Server {
	t.Helper()
	o.Addr = "127.0.0.1:0"
	o.Logf = t.Logf
	if o.Workers == 0 {
		o.Workers = 16
	}
	if o.Budget == 0 {
		o.Budget = 5 * time.Second
	}
	s, err := server.NewServer(engine, server.TestRouter(), o)
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
		if e, ok := s.(*server.Engine); ok && e.InFlight() != 0 {
			t.Errorf("%d requests still in flight after drain: a pooled exchange leaked", e.InFlight())
		}
	})
	return s
}

var engines = []string{"gnet", "fasthttp"}

// exchangeRaw writes raw on a new connection and reads until the server
// closes it or goes quiet; it reports whether the server closed.
func exchangeRaw(t *testing.T, addr string, raw []byte, quiet time.Duration) (out []byte, closed bool) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return nil, false
	}
	defer c.Close()
	c.Write(raw) // a server that refuses early may close before all is sent
	buf := make([]byte, 64<<10)
	for {
		c.SetReadDeadline(time.Now().Add(quiet))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return out, false
			}
			return out, true // EOF or reset: closed
		}
	}
}

func statuses(t *testing.T, out []byte, head bool) []int {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(out))
	var got []int
	for {
		if _, err := br.Peek(1); err == io.EOF {
			return got
		}
		method := "GET"
		if head {
			method = "HEAD"
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("bad response: %v\n%s", err, out)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 100 {
			got = append(got, resp.StatusCode)
		}
	}
}

// TestTableOverTCP runs the framing table through real sockets. The gnet
// engine must match every row; fasthttp.Server must match the rows that are
// valid HTTP (the same handlers), and where it answers bad input differently
// the test logs it, as the record of what the baseline gets wrong.
func TestTableOverTCP(t *testing.T) {
	for _, engine := range engines {
		s := start(t, engine, server.Options{})
		type result struct {
			out    []byte
			closed bool
		}
		results := make([]chan result, len(server.EngineCases))
		for i, tc := range server.EngineCases {
			results[i] = make(chan result, 1)
			go func() {
				out, closed := exchangeRaw(t, s.Addr(), []byte(server.Crlf(tc.Raw)), 300*time.Millisecond)
				results[i] <- result{out, closed}
			}()
		}
		for i, tc := range server.EngineCases {
			r := <-results[i]
			got := statuses(t, r.out, strings.HasPrefix(tc.Raw, "HEAD"))
			ok := fmt.Sprint(got) == fmt.Sprint(tc.Statuses) && r.closed == tc.Closed
			switch {
			case ok:
			case engine == "gnet" || tc.Statuses[len(tc.Statuses)-1] < 400:
				t.Errorf("%s %q: statuses %v closed=%v, want %v closed=%v", engine, server.Short(tc.Raw), got, r.closed, tc.Statuses, tc.Closed)
			default:
				t.Logf("fasthttp.Server differs on %q: %v closed=%v (daemon1: %v closed=%v)", server.Short(tc.Raw), got, r.closed, tc.Statuses, tc.Closed)
			}
		}
	}
}

func TestNetHTTPClient(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			s := start(t, engine, server.Options{})
			tr := &http.Transport{MaxConnsPerHost: 1, ExpectContinueTimeout: 10 * time.Second}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			base := "http://" + s.Addr()

			// Keep-alive: every request after the first reuses the connection.
			for i := 0; i < 50; i++ {
				reused := false
				req, _ := http.NewRequest("GET", fmt.Sprintf("%s/fast/%d", base, i), nil)
				req = req.WithContext(httptrace.WithClientTrace(req.Context(),
					&httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) { reused = ci.Reused }}))
				body := do(t, client, req, 200)
				if want := fmt.Sprintf("fast %d ", i); body != want {
					t.Fatalf("body %q, want %q", body, want)
				}
				if i > 0 && !reused {
					t.Fatalf("request %d opened a new connection: keep-alive broken", i)
				}
			}

			// Chunked upload: an unknown length makes net/http send chunks.
			pr, pw := io.Pipe()
			go func() {
				for i := 0; i < 10; i++ {
					fmt.Fprintf(pw, "part%d;", i)
				}
				pw.Close()
			}()
			req, _ := http.NewRequest("POST", base+"/echo", pr)
			if got := do(t, client, req, 200); !strings.Contains(got, `body="part0;part1;part2;part3;part4;part5;part6;part7;part8;part9;"`) {
				t.Fatalf("chunked upload: handler saw %s", got)
			}

			// Expect: 100-continue: the client waits for the interim answer.
			req, _ = http.NewRequest("POST", base+"/echo", strings.NewReader("after-continue"))
			req.Header.Set("Expect", "100-continue")
			start := time.Now()
			if got := do(t, client, req, 200); !strings.Contains(got, `body="after-continue"`) {
				t.Fatalf("expect 100-continue: handler saw %s", got)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatal("the client waited out its ExpectContinueTimeout: no 100 Continue was sent")
			}

			// HEAD has the GET's headers and no body.
			req, _ = http.NewRequest("HEAD", base+"/big", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.ContentLength != 256<<10 {
				t.Fatalf("HEAD /big: Content-Length %d, want %d", resp.ContentLength, 256<<10)
			}
		})
	}
}

func do(t *testing.T, c *http.Client, req *http.Request, want int) string {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", req.Method, req.URL, resp.StatusCode, want, b)
	}
	if resp.Header.Get("Server") != "daemon1" || resp.Header.Get("Date") == "" {
		t.Fatalf("missing Server or Date header: %v", resp.Header)
	}
	return string(b)
}

// TestPipelineOrder pipelines inline and slow worker requests in one write:
// the answers must come back in request order although later ones finish
// first. With a small pipeline cap the connection is paused and resumed
// many times on the way.
func TestPipelineOrder(t *testing.T) {
	f := func(lim server.Limits) {
		t.Helper()
		s := start(t, "gnet", server.Options{Limits: lim, Workers: 128})
		var req bytes.Buffer
		var want []string
		for i := 0; i < 300; i++ {
			if i%3 == 0 {
				ms := (i * 7) % 11
				fmt.Fprintf(&req, "GET /slow/%d?i=%d HTTP/1.1\r\nHost: a\r\n\r\n", ms, i)
				want = append(want, fmt.Sprintf("slow %d %d", ms, i))
			} else {
				fmt.Fprintf(&req, "GET /fast/x?i=%d HTTP/1.1\r\nHost: a\r\n\r\n", i)
				want = append(want, fmt.Sprintf("fast x %d", i))
			}
		}
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go c.Write(req.Bytes())
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		br := bufio.NewReader(c)
		for i, w := range want {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("response %d: %v", i, err)
			}
			b, _ := io.ReadAll(resp.Body)
			if string(b) != w {
				t.Fatalf("response %d is %q, want %q: order lost", i, b, w)
			}
		}
	}
	f(server.Limits{})
	f(server.Limits{MaxPipeline: 2})
	f(server.Limits{MaxInFlight: 3})
}

// TestTimeouts checks that slow, idle and non-reading clients are closed.
func TestTimeouts(t *testing.T) {
	lim := server.Limits{HeaderTimeout: 200 * time.Millisecond, BodyTimeout: 200 * time.Millisecond,
		IdleTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxPendingOutput: 64 << 10}
	s := start(t, "gnet", server.Options{Limits: lim})
	e := s.(*server.Engine)

	f := func(name, raw string, want []int) {
		t.Helper()
		out, closed := exchangeRaw(t, s.Addr(), []byte(raw), 3*time.Second)
		if got := statuses(t, out, false); fmt.Sprint(got) != fmt.Sprint(want) || !closed {
			t.Fatalf("%s: statuses %v closed=%v, want %v and a close", name, got, closed, want)
		}
	}
	f("slow header", "GET /echo HTTP/1.1\r\nHost: a\r\n", []int{408})
	f("slow body", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", []int{408})
	f("idle after a request", "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", []int{200})
	f("idle", "", nil)

	// A client that pipelines requests for large answers and reads none.
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4 << 10)
	for i := 0; i < 64; i++ {
		if _, err := c.Write([]byte("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")); err != nil {
			break // the server may already have closed it
		}
	}
	waitFor(t, "the non-reading client to be closed", func() bool { return e.Conns() == 0 })
}

// TestDrain: requests in progress are answered with Connection: close, idle
// connections are closed, then the engine stops.
func TestDrain(t *testing.T) {
	e, err := server.New(server.TestRouter(), server.Options{Addr: "127.0.0.1:0", Workers: 4, Budget: 5 * time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	idle, err := net.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	busy, err := net.Dial("tcp", e.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busy.Write([]byte("GET /slow/300?i=1 HTTP/1.1\r\nHost: a\r\n\r\n"))
	waitFor(t, "the slow request to start", func() bool { return e.InFlight() == 1 })

	done := make(chan int, 1)
	go func() {
		left, err := e.Drain(5 * time.Second)
		if err != nil {
			t.Errorf("drain: %v", err)
		}
		done <- left
	}()
	busy.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatalf("the request in progress was not answered: %v", err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "slow 300 1" || !resp.Close {
		t.Fatalf("in-progress answer %q close=%v, want the body and Connection: close", b, resp.Close)
	}
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the idle connection got %d bytes instead of a close", n)
	}
	if left := <-done; left != 0 {
		t.Fatalf("%d connections left at the drain deadline, want 0", left)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

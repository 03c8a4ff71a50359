package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// metricOf returns the value of one series of GET /metrics, or "".
func metricOf(t *testing.T, addr, series string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if name, v, ok := strings.Cut(sc.Text(), " "); ok && name == series {
			return v
		}
	}
	return ""
}

// eventually polls cond every 20 ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, what)
		}
	}
}

// healthy reports whether GET /healthz answers 200 on a new connection.
func healthy(addr string) bool {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200
}

// Running out of file descriptors is an overload, not the end: with a
// descriptor limit of 64 and a burst of 150 connections, the listener sheds
// what it cannot hold (some are told 503), and serves again once they go.
// (gnet's own acceptor shut the engine down for good; fasthttp.Server
// stopped accepting.)
func TestSurvivesDescriptorExhaustion(t *testing.T) {
	bin := build(t)
	for _, engine := range []string{"gnet", "fasthttp"} {
		t.Run(engine, func(t *testing.T) {
			// The caps would shield the descriptors: lift them to reach EMFILE.
			p := startArgv(t, []string{"prlimit", "--nofile=64:64", bin}, nil,
				"-engine", engine, "-max-conns", "10000", "-max-conns-per-ip", "10000")
			var conns []net.Conn
			for range 150 {
				c, err := net.DialTimeout("tcp", p.addr, time.Second)
				if err != nil {
					break // the backlog is full: that is the point
				}
				conns = append(conns, c)
			}
			// Read them all at once: a shed one is told at once; the rest wait
			// for a request that never comes.
			var shed atomic.Int32
			var wg sync.WaitGroup
			for _, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c.SetReadDeadline(time.Now().Add(time.Second))
					b := make([]byte, 64)
					if n, _ := c.Read(b); strings.HasPrefix(string(b[:n]), "HTTP/1.1 503") {
						shed.Add(1)
					}
				}()
			}
			wg.Wait()
			for _, c := range conns {
				c.Close()
			}
			eventually(t, 10*time.Second, "serving again after the burst", func() bool { return healthy(p.addr) })
			if v := metricOf(t, p.addr, "daemon1_accept_errors_total"); v == "" || v == "0" {
				t.Fatalf("daemon1_accept_errors_total = %q: the burst never exhausted the descriptors", v)
			}
			if shed.Load() == 0 {
				t.Errorf("no connection of the burst was told 503")
			}
			log, err := p.stop()
			if err != nil {
				t.Fatalf("exit: %v\n%s", err, log)
			}
			if !strings.Contains(log, "accept failed") {
				t.Errorf("the log does not say that accepts failed:\n%s", log)
			}
		})
	}
}

// A restart on the same port right after a stop under load binds at once,
// although the last run left server-side connections in TIME-WAIT (each
// request asked the server to close).
func TestRestartRightAfterLoad(t *testing.T) {
	bin := build(t)
	addr := freeAddr(t)
	for _, engine := range []string{"gnet", "fasthttp", "gnet"} {
		p := start(t, bin, nil, "-listen", addr, "-engine", engine)
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		for i := range 200 {
			resp, err := client.Get("http://" + addr + "/healthz")
			if err != nil {
				t.Fatalf("%s: request %d: %v", engine, i, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if log, err := p.stop(); err != nil {
			t.Fatalf("%s: %v\n%s", engine, err, log)
		}
	}
}

func TestExitsWhenTheEngineStops(t *testing.T) {
	sig, done := make(chan os.Signal, 1), make(chan struct{})
	close(done)
	if _, alive := awaitStop(sig, done); alive {
		t.Fatal("awaitStop: alive after the engine stopped")
	}
	sig <- os.Interrupt
	if s, alive := awaitStop(sig, make(chan struct{})); !alive || s != os.Interrupt {
		t.Fatalf("awaitStop = %v, %v; want the signal", s, alive)
	}
}

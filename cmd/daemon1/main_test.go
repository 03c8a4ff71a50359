package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// build compiles the daemon once per test binary run.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "daemon1")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var servingRe = regexp.MustCompile(`serving on (\S+)`)

// launch starts the binary and returns its address once it serves, and a
// function that sends SIGTERM and returns the log and the exit error.
func launch(t *testing.T, bin string, args ...string) (string, func() (string, error)) {
	t.Helper()
	p := start(t, bin, nil, args...)
	return p.addr, p.stop
}

// proc is a running daemon1.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	log  strings.Builder // up to "serving on"
	rest chan string     // the rest of the log, once it ends
}

// start runs the binary with env added to the environment, on a free
// loopback port; the error log and the data go to temporary directories
// unless args say otherwise.
func start(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	return startArgv(t, []string{bin}, env, args...)
}

// startArgv is start for a command line that runs the binary last, such as
// prlimit's.
func startArgv(t *testing.T, argv []string, env []string, args ...string) *proc {
	t.Helper()
	p, err := spawn(t, argv, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// spawn is startArgv reporting its failure instead of ending the test: it
// may run in a goroutine of the test's (several fleet nodes start at once).
func spawn(t *testing.T, argv []string, env []string, args ...string) (*proc, error) {
	return spawnUntil(t, servingRe, argv, env, args...)
}

// startTimeout is how long a daemon of these tests may take to serve.
const startTimeout = 2 * time.Minute

// spawnUntil is spawn returning at the first line of the log that until
// matches; its first group is the address.
func spawnUntil(t *testing.T, until *regexp.Regexp, argv []string, env []string, args ...string) (*proc, error) {
	// A generous budget: these tests are about behaviour, not latency, and
	// run on loaded machines (args may set another: the last flag wins).
	args = append(append(argv[1:len(argv):len(argv)], "-listen", "127.0.0.1:0", "-budget", "1s", "-log-dir", t.TempDir(), "-data-dir", t.TempDir()), args...)
	cmd := exec.Command(argv[0], args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	p := &proc{t: t, cmd: cmd, rest: make(chan string, 1)}
	// A daemon that neither serves nor exits (a fleet node whose quorum
	// never forms, because a port found free was taken meanwhile) is
	// killed, so that its start fails and the caller may try again.
	hung := time.AfterFunc(startTimeout, func() { cmd.Process.Kill() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		p.log.WriteString(sc.Text() + "\n")
		if m := until.FindStringSubmatch(sc.Text()); m != nil {
			p.addr = m[1]
			break
		}
	}
	hung.Stop()
	if p.addr == "" {
		cmd.Wait()
		return nil, fmt.Errorf("daemon1 did not start (killed if it took %s):\n%s", startTimeout, p.log.String())
	}
	go func() {
		// The same scanner: it may already hold lines read past the first.
		var tail strings.Builder
		for sc.Scan() {
			tail.WriteString(sc.Text() + "\n")
		}
		p.rest <- tail.String()
	}()
	return p, nil
}

// stop sends SIGTERM and returns the whole log and the exit error.
func (p *proc) stop() (string, error) {
	p.cmd.Process.Signal(syscall.SIGTERM)
	// Read the log to its end before Wait, which closes the pipe.
	select {
	case tail := <-p.rest:
		return p.log.String() + tail, p.cmd.Wait()
	case <-time.After(20 * time.Second):
		p.t.Fatal("daemon1 did not stop within 20s of SIGTERM")
		return "", nil
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() string {
	p.cmd.Process.Kill()
	tail := <-p.rest
	p.cmd.Wait()
	return p.log.String() + tail
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestBinaryServesAndDrainsOnSIGTERM(t *testing.T) {
	bin := build(t)
	for _, engine := range []string{"gnet", "fasthttp"} {
		addr, stop := launch(t, bin, "-listen", "127.0.0.1:0", "-engine", engine)
		for _, path := range []string{"/healthz", "/readyz"} {
			if code := get(t, "http://"+addr+path); code != 200 {
				t.Fatalf("%s: GET %s = %d, want 200", engine, path, code)
			}
		}
		// An idle keep-alive connection must not hold the drain up.
		idle, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer idle.Close()
		log, err := stop()
		if err != nil {
			t.Fatalf("%s: exit after SIGTERM: %v\n%s", engine, err, log)
		}
		if !strings.Contains(log, "draining") || !strings.Contains(log, "stopped in") {
			t.Fatalf("%s: the log does not tell the drain:\n%s", engine, log)
		}
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestBinaryReusePort(t *testing.T) {
	bin := build(t)
	addr := freeAddr(t)
	a, stopA := launch(t, bin, "-listen", addr, "-reuseport")
	b, stopB := launch(t, bin, "-listen", addr, "-reuseport")
	if a != addr || b != addr {
		t.Fatalf("processes serve on %s and %s, want both on %s", a, b, addr)
	}
	for i := 0; i < 20; i++ {
		if code := get(t, "http://"+addr+"/healthz"); code != 200 {
			t.Fatalf("GET /healthz = %d", code)
		}
	}
	if log, err := stopA(); err != nil {
		t.Fatalf("first process: %v\n%s", err, log)
	}
	if code := get(t, "http://"+addr+"/healthz"); code != 200 {
		t.Fatalf("after the first process stopped, GET /healthz = %d", code)
	}
	if log, err := stopB(); err != nil {
		t.Fatalf("second process: %v\n%s", err, log)
	}
}

func TestFlags(t *testing.T) {
	c, err := parseFlags([]string{"-listen", "127.0.0.1:9", "-engine", "fasthttp", "-max-body", "10", "-budget", "5ms"})
	if err != nil {
		t.Fatal(err)
	}
	if c.server.Addr != "127.0.0.1:9" || c.engine != "fasthttp" || c.server.Limits.MaxBodyBytes != 10 || c.server.Budget != 5*time.Millisecond {
		t.Fatalf("parsed %+v", c)
	}
	if c.fleet.fleetMode() || c.features.Tokens {
		t.Fatal("a single node by default")
	}
	c, err = parseFlags([]string{"-fleet-node", "n1", "-nats-routes", "nats://127.0.0.1:6223", "-fleet-replicas", "5"})
	if err != nil || !c.fleet.fleetMode() || !c.features.Tokens || c.fleet.Replicas != 5 || c.fleet.routes != "nats://127.0.0.1:6223" {
		t.Fatalf("fleet flags: %v %+v", err, c.fleet)
	}
	for _, bad := range [][]string{{"-nope"}, {"-budget", "soon"}, {"stray"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Fatalf("parseFlags(%q) accepted", bad)
		}
	}
	if code := run(config{engine: "quantum", server: c.server}); code != 2 {
		t.Fatalf("an unknown engine exits %d, want 2", code)
	}
}

// -cpuprofile and -trace cover the whole run and are complete once the
// process has stopped: a gzipped profile, a Go execution trace.
func TestBinaryProfiles(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	prof, tr := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "run.trace")
	addr, stop := launch(t, bin, "-listen", "127.0.0.1:0", "-cpuprofile", prof, "-trace", tr)
	if code := get(t, "http://"+addr+"/healthz"); code != 200 {
		t.Fatalf("GET /healthz = %d", code)
	}
	if log, err := stop(); err != nil {
		t.Fatalf("exit: %v\n%s", err, log)
	}
	for path, magic := range map[string]string{prof: "\x1f\x8b", tr: "go 1."} {
		b, err := os.ReadFile(path)
		if err != nil || !strings.HasPrefix(string(b), magic) {
			t.Fatalf("%s: %d bytes starting %q (%v), want %q…", path, len(b), b[:min(len(b), 8)], err, magic)
		}
	}
}

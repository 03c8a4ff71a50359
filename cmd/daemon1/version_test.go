package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	f := func(b buildInfo, want string) {
		t.Helper()
		if got := b.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(buildInfo{Version: "v1.2.3", Revision: "73ecfeab626fe0fecc5ea78f48ea198268524ab0", Time: "2026-11-30T20:44:11Z", Go: "go1.26.8", Modified: true},
		"daemon1 v1.2.3 (commit 73ecfeab626f+dirty, 2026-11-30T20:44:11Z, go1.26.8)")
	f(buildInfo{Version: "(devel)", Revision: "unknown", Go: "go1.26.8"}, "daemon1 (devel) (commit unknown, go1.26.8)")
}

// The test binary knows its Go release at least.
func TestReadBuildInfo(t *testing.T) {
	if b := readBuildInfo(); b.Go == "" || b.Version == "" {
		t.Fatalf("%+v", b)
	}
}

// Start-up says which build runs and where its files are, as absolute
// paths (the error log in the data directory unless -log-dir), and that
// an empty data directory starts an empty store; a second start replays.
func TestStartupSaysWhereItsFilesAre(t *testing.T) {
	bin := build(t)
	data := t.TempDir()
	p := start(t, bin, nil, "-data-dir", data, "-log-dir", "")
	log, err := p.stop()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"daemon1 ", " (commit ",
		"data directory " + data + ", error log in " + filepath.Join(data, "logs"),
		filepath.Join(data, "daemon1.aof") + " does not exist: starting with an empty store",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	p = start(t, bin, nil, "-data-dir", data, "-log-dir", "")
	if log, _ := p.stop(); !strings.Contains(log, "replaying "+filepath.Join(data, "daemon1.aof")) {
		t.Errorf("a second start does not say it replays the file:\n%s", log)
	}
}

// A SIGTERM that comes while the file replays is not the signal's default
// (death): the replay ends, and the daemon drains and exits 0. So is one
// right after "serving on", which the tests send at once.
func TestSignalDuringReplayDrains(t *testing.T) {
	bin := build(t)
	data := t.TempDir()
	p := start(t, bin, nil, "-data-dir", data)
	if out, err := loadCmd(bin, p.addr, "pts", pointsFile(t, 50_000), "-quiet").CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	if _, err := p.stop(); err != nil {
		t.Fatal(err)
	}
	p, err := spawnUntil(t, regexp.MustCompile(`listening on (\S+) .*; replaying`), []string{bin}, nil, "-data-dir", data)
	if err != nil {
		t.Fatal(err)
	}
	log, err := p.stop()
	if err != nil {
		t.Fatalf("%v:\n%s", err, log)
	}
	for _, want := range []string{"replayed", "serving on", "draining", "stopped in"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}

package main

import "testing"

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

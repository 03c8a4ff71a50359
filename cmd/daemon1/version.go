package main

import (
	"fmt"
	"runtime/debug"

	"github.com/VictoriaMetrics/metrics"
)

// buildInfo is what the binary knows of its own build: the module's
// version ("(devel)" when built from a checkout), the VCS revision and
// whether the tree had changes, and the Go release.
type buildInfo struct {
	Version, Revision, Time, Go string
	Modified                    bool
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: "unknown", Revision: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Go = bi.GoVersion
	if bi.Main.Version != "" {
		b.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the -version line: "daemon1 v0.0.0-20261130204411-73ecfeab626f
// (commit 73ecfeab626f+dirty, 2026-11-30T20:44:11Z, go1.26.8)".
func (b buildInfo) String() string {
	rev := b.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if b.Modified {
		rev += "+dirty"
	}
	s := fmt.Sprintf("daemon1 %s (commit %s", b.Version, rev)
	if b.Time != "" {
		s += ", " + b.Time
	}
	return s + ", " + b.Go + ")"
}

// register exposes b as daemon1_build_info, a gauge of 1 whose labels say
// which build is running (join it to other series to tell builds apart).
func (b buildInfo) register(set *metrics.Set) {
	rev := b.Revision
	if b.Modified {
		rev += "+dirty"
	}
	set.NewGauge(fmt.Sprintf(`daemon1_build_info{version=%q,revision=%q,go_version=%q}`, b.Version, rev, b.Go),
		func() float64 { return 1 })
}

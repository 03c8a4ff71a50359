package main

import (
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/geometryos/daemon1/internal/benchkit"
)

// coldStart is one restart of a server on its data: from the process's
// start to GET /readyz answering 200 (the file replayed, the indexes built).
type coldStart struct {
	Points   int     `json:"points"`   // the data set loaded
	Features int     `json:"features"` // what the store held once ready
	Seconds  float64 `json:"seconds"`  // from the process's start to ready
	Replay   float64 `json:"replay"`   // of which replaying the file (the daemon's own figure)
}

// coldStarts stops s (gracefully: its data stays) and starts it again n
// times, timing each start, and appends the timings to dst. s is left
// running, as it was.
func (s *server) coldStarts(n int, dst *[]coldStart) error {
	for i := 0; i < n; i++ {
		benchkit.Stop(s.cmd)
		s.cmd = s.again()
		start := time.Now()
		if err := s.cmd.Start(); err != nil {
			return err
		}
		if err := benchkit.WaitReady(s.addr); err != nil {
			return err
		}
		c := coldStart{Points: s.points, Seconds: time.Since(start).Seconds(), Features: int(s.metric("daemon1_store_features")),
			Replay: s.metric("daemon1_aof_replay_seconds")}
		log.Printf("cold start with %d features: %.2f s to ready, %.2f s of it replaying (%.2fM features/s)",
			c.Features, c.Seconds, c.Replay, float64(c.Features)/c.Seconds/1e6)
		*dst = append(*dst, c)
	}
	return nil
}

// coldMarkdown writes the cold starts.
func (r *report) coldMarkdown() string {
	if len(r.Cold) == 0 {
		return ""
	}
	secs, replays := make([]float64, len(r.Cold)), make([]float64, len(r.Cold))
	for i, c := range r.Cold {
		secs[i], replays[i] = c.Seconds, c.Replay
	}
	m, n := median(slices.Clone(secs)), r.Cold[0].Features
	return fmt.Sprintf("\n## Cold start\n\ndaemon1 stopped and started again on its data (gnet, after the scenarios above: "+
		"the %d points loaded, the features the bulk cell added and the puts, %d features in all): from the process's start "+
		"to `/readyz` 200, the median of %d starts is %.2f s, %.2fM features/s (each: %s s; replaying the file: %s s).\n",
		r.Cold[0].Points, n, len(r.Cold), m, float64(n)/m/1e6, seconds(secs), seconds(replays))
}

func seconds(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, ", ")
}

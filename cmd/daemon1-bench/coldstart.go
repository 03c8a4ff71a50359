package main

import (
	"fmt"
	"log"
	"time"

	"github.com/geometryos/daemon1/internal/benchkit"
)

// coldStart is one restart of a server on its data: from the process's
// start to GET /readyz answering 200 (the file replayed, the indexes built).
type coldStart struct {
	Points  int     `json:"points"`
	Seconds float64 `json:"seconds"`
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
		c := coldStart{Points: s.points, Seconds: time.Since(start).Seconds()}
		log.Printf("cold start with %d points: %.2f s to ready (%.2fM features/s)", c.Points, c.Seconds, float64(c.Points)/c.Seconds/1e6)
		*dst = append(*dst, c)
	}
	return nil
}

// coldMarkdown writes the cold starts.
func (r *report) coldMarkdown() string {
	if len(r.Cold) == 0 {
		return ""
	}
	secs := make([]float64, len(r.Cold))
	for i, c := range r.Cold {
		secs[i] = c.Seconds
	}
	m := median(secs)
	return fmt.Sprintf("\n## Cold start\n\ndaemon1 stopped and started again on its data (%d points, gnet, after the scenarios above): "+
		"from the process's start to `/readyz` 200, the median of %d starts is %.2f s, %.2fM features/s (each: %v s).\n",
		r.Cold[0].Points, len(r.Cold), m, float64(r.Cold[0].Points)/m/1e6, secs)
}

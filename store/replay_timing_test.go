package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// BenchmarkReplay replays a file of 1M point features (written as the API
// writes them: bulk inserts of 10,000) and reports features per second.
func BenchmarkReplay(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	d, err := Open(dir, false, Options{Fsync: FsyncNo}, nil)
	if err != nil {
		b.Fatal(err)
	}
	c, _, _ := d.Create("pts", "", "")
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < n; i += 10000 {
		ins := make([]*Input, 10000)
		for j := range ins {
			in, err := ParseFeature(fmt.Appendf(nil, `{"type":"Feature","id":"pt-%07d","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"n":%d}}`,
				i+j, 13+rng.Float64(), 52+rng.Float64(), i+j), "", 0)
			if err != nil {
				b.Fatal(err)
			}
			ins[j] = in
		}
		if _, err := c.InsertAll(ins); err != nil {
			b.Fatal(err)
		}
	}
	d.Close()
	fi, _ := os.Stat(d.Writer.Path())
	b.ResetTimer()
	for range b.N {
		d, err := Open(dir, false, Options{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if d.Replay.Features != n {
			b.Fatalf("replayed %d features", d.Replay.Features)
		}
		b.ReportMetric(float64(n)/d.Replay.Took.Seconds(), "features/s")
		b.ReportMetric(float64(fi.Size())/n, "file-B/feature")
		d.Close()
	}
}

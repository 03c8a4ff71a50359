package aof

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/geometryos/daemon1/retry"
)

// BenchmarkAppendSync is what one durable write costs on this machine's
// disk when nothing shares its fsync: append a 130-byte record (a point
// feature) and fsync. Beside it, the append alone.
func BenchmarkAppendSync(b *testing.B) {
	rec, start := Begin(nil, 3)
	rec = append(rec, make([]byte, 116)...)
	rec = Finish(rec, start)
	for _, sync := range []bool{false, true} {
		name := "append"
		if sync {
			name = "append+fsync"
		}
		b.Run(name, func(b *testing.B) {
			w, err := OpenWriter(filepath.Join(b.TempDir(), "bench.aof"), 0, &retry.Retrier{})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			b.SetBytes(int64(len(rec)))
			for range b.N {
				if err := w.Append(rec, time.Now().Add(time.Second)); err != nil {
					b.Fatal(err)
				}
				if sync {
					if err := w.Sync(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

package load

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// nullSink takes every chunk: the loader's own cost, without a server.
type nullSink struct{}

func (nullSink) create(context.Context, string) error { return nil }
func (nullSink) send(_ context.Context, _ string, c *chunk) (result, error) {
	return result{Inserted: len(c.items)}, nil
}
func (nullSink) close() error { return nil }

func pointsCollection(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":"p%d","geometry":{"type":"Point","coordinates":[%d.123456,%d.654321]},"properties":{"i":%d,"name":"pt %d"}}`, i, i%180, i%90, i, i)
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// BenchmarkLoader reads a collection of points and makes the requests of
// each protocol, sending them nowhere.
func BenchmarkLoader(b *testing.B) {
	in := pointsCollection(10000)
	for _, protocol := range []string{"binary", "http"} {
		b.Run(protocol, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				l := &loader{o: Options{Protocol: protocol}.withDefaults(), sink: nullSink{}, in: &countingReader{r: bytes.NewReader(in)}}
				st, err := l.run(context.Background(), NewReader(l.in))
				if err != nil || st.Inserted != 10000 {
					b.Fatal(st, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/feature")
		})
	}
}

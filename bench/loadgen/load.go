package loadgen

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
)

// LoadPoints creates collection "pts" at base and bulk-inserts n points
// pt-0000000… spread uniformly (seeded: every run has the same data) over
// the area, 10,000 per request.
func LoadPoints(base string, n int, a Area, seed uint64) error {
	if err := send("PUT", base+"/collections/pts", nil, http.StatusCreated); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	const batch = 10000
	for i := 0; i < n; i += batch {
		var b bytes.Buffer
		b.WriteString(`{"type":"FeatureCollection","features":[`)
		for j := i; j < min(i+batch, n); j++ {
			if j > i {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"type":"Feature","id":"pt-%07d","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"n":%d}}`,
				j, a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W, j)
		}
		b.WriteString(`]}`)
		if err := send("POST", base+"/collections/pts/items", b.Bytes(), http.StatusCreated); err != nil {
			return err
		}
	}
	return nil
}

func send(method, url string, body []byte, want int) error {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return nil
}

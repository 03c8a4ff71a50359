package loadgen

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"sort"
	"strconv"
)

// Area is where the generated points lie: W°×W° from (Lon, Lat), the shape
// of issue 4's Tile38 figures.
type Area struct{ Lon, Lat, W float64 }

// DefaultArea is 1°×1° at 13°E 52°N.
var DefaultArea = Area{Lon: 13, Lat: 52, W: 1}

// The API scenarios against collection "pts" holding points pt-0000000….
var scenarios = map[string]func(points int, a Area) ScenarioFunc{
	"healthz": func(int, Area) ScenarioFunc {
		return func(dst []byte, _ *rand.Rand) []byte {
			return append(dst, "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"...)
		}
	},
	"get": func(points int, _ Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			dst = append(dst, "GET /collections/pts/items/pt-"...)
			dst = appendPadded(dst, rng.IntN(points), 7)
			return append(dst, " HTTP/1.1\r\nHost: bench\r\n\r\n"...)
		}
	},
	"bbox": func(_ int, a Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			x, y := a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W
			dst = append(dst, "GET /collections/pts/items?limit=100&bbox="...)
			dst = appendCoords(dst, x, y, x+0.01, y+0.01)
			return append(dst, " HTTP/1.1\r\nHost: bench\r\n\r\n"...)
		}
	},
	"bbox-filter": func(points int, a Area) ScenarioFunc {
		// bbox's box, with a CQL2 filter on the property n that keeps half
		// of the points (n < points/2).
		filter := "&filter=" + url.QueryEscape("n < "+strconv.Itoa(points/2))
		return func(dst []byte, rng *rand.Rand) []byte {
			x, y := a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W
			dst = append(dst, "GET /collections/pts/items?limit=100&bbox="...)
			dst = appendCoords(dst, x, y, x+0.01, y+0.01)
			dst = append(dst, filter...)
			return append(dst, " HTTP/1.1\r\nHost: bench\r\n\r\n"...)
		}
	},
	"nearby": func(_ int, a Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			var body [96]byte
			b := append(body[:0], `{"nearby":{"point":[`...)
			b = appendCoords(b, a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W)
			b = append(b, `],"k":10,"radius":1000}}`...)
			return appendPost(dst, "POST", "/collections/pts/search", b)
		}
	},
	"nearby-none": func(_ int, a Area) ScenarioFunc {
		// The 10 nearest with a filter no point passes (n counts from 0):
		// the search walks until its budget and answers an empty page
		// with a cursor.
		return func(dst []byte, rng *rand.Rand) []byte {
			var body [128]byte
			b := append(body[:0], `{"nearby":{"point":[`...)
			b = appendCoords(b, a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W)
			b = append(b, `],"k":10},"filter":"n < 0"}`...)
			return appendPost(dst, "POST", "/collections/pts/search", b)
		}
	},
	"within": func(_ int, a Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			x, y := a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W
			var body [256]byte
			b := append(body[:0], `{"limit":100,"within":{"type":"Polygon","coordinates":[[[`...)
			b = appendCoords(b, x, y)
			b = append(b, "],["...)
			b = appendCoords(b, x+0.01, y)
			b = append(b, "],["...)
			b = appendCoords(b, x+0.01, y+0.01)
			b = append(b, "],["...)
			b = appendCoords(b, x, y+0.01)
			b = append(b, "],["...)
			b = appendCoords(b, x, y)
			b = append(b, "]]]}}"...)
			return appendPost(dst, "POST", "/collections/pts/search", b)
		}
	},
	"bulk": func(_ int, a Area) ScenarioFunc {
		// A FeatureCollection of BulkSize new points with random ids:
		// all or nothing, one record, one fsync.
		return func(dst []byte, rng *rand.Rand) []byte {
			var body [BulkSize * 128]byte
			b := append(body[:0], `{"type":"FeatureCollection","features":[`...)
			for i := 0; i < BulkSize; i++ {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"type":"Feature","id":"b`...)
				b = strconv.AppendUint(b, rng.Uint64(), 36)
				b = append(b, `","geometry":{"type":"Point","coordinates":[`...)
				b = appendCoords(b, a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W)
				b = append(b, `]},"properties":{"n":1}}`...)
			}
			b = append(b, "]}"...)
			return appendPost(dst, "POST", "/collections/pts/items", b)
		}
	},
	"put": func(points int, a Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			var path [64]byte
			p := appendPadded(append(path[:0], "/collections/pts/items/pt-"...), rng.IntN(points), 7)
			var body [128]byte
			b := append(body[:0], `{"type":"Feature","geometry":{"type":"Point","coordinates":[`...)
			b = appendCoords(b, a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W)
			b = append(b, `]},"properties":{"n":1}}`...)
			return appendPost(dst, "PUT", p, b)
		}
	},
}

// BulkSize is how many features one request of the bulk scenario inserts.
const BulkSize = 100

// ScenarioNames lists the scenarios.
func ScenarioNames() []string {
	var names []string
	for n := range scenarios {
		names = append(names, n)
	}
	for n := range binaryScenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NewScenario returns the named scenario over a collection of points.
func NewScenario(name string, points int, a Area) (Scenario, error) {
	if points < 1 {
		points = 1
	}
	if mk, ok := binaryScenarios[name]; ok {
		return binaryScenario{mk(points, a)}, nil
	}
	mk, ok := scenarios[name]
	if !ok {
		return nil, fmt.Errorf("no scenario %q: want one of %v", name, ScenarioNames())
	}
	return mk(points, a), nil
}

func appendPost[P string | []byte](dst []byte, method string, path P, body []byte) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, path...)
	dst = append(dst, " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

func appendCoords(dst []byte, vs ...float64) []byte {
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendFloat(dst, v, 'f', 6, 64)
	}
	return dst
}

func appendPadded(dst []byte, n, width int) []byte {
	var b [20]byte
	s := strconv.AppendInt(b[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

package loadgen

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net"

	"github.com/geometryos/daemon1/codec"
)

// The binary protocol's scenarios (docs/protocol.md) against the same
// collection and points as the REST ones: a connection opens with the
// preamble, then every request is a frame.

// binaryScenario is a Scenario whose requests are binary frames.
type binaryScenario struct{ ScenarioFunc }

// isBinary reports whether s speaks the binary protocol.
func isBinary(s Scenario) bool {
	_, ok := s.(binaryScenario)
	return ok
}

var binaryScenarios = map[string]func(points int, a Area) ScenarioFunc{
	"bin-ping": func(int, Area) ScenarioFunc {
		return func(dst []byte, _ *rand.Rand) []byte { return codec.AppendFrameHeader(dst, codec.OpPing, 1, 0) }
	},
	"bin-get": func(points int, _ Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			dst = codec.AppendFrameHeader(dst, codec.OpGet, 1, 2+3+2+10)
			dst = codec.AppendStr16(dst, "pts")
			var id [16]byte
			dst = codec.AppendStr16(dst, appendPadded(append(id[:0], "pt-"...), rng.IntN(points), 7))
			return dst
		}
	},
	"bin-nearby": func(_ int, a Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			dst = codec.AppendFrameHeader(dst, codec.OpNearby, 1, 2+3+4+2+24)
			dst = binSearchHead(dst, 10)
			dst = codec.AppendF64(dst, a.Lon+rng.Float64()*a.W)
			dst = codec.AppendF64(dst, a.Lat+rng.Float64()*a.W)
			return codec.AppendF64(dst, 1000)
		}
	},
	"bin-within": func(_ int, a Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			x, y := a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W
			const wkbLen = 1 + 4 + 4 + 4 + 5*16
			dst = codec.AppendFrameHeader(dst, codec.OpWithin, 1, 2+3+4+2+4+wkbLen)
			dst = binSearchHead(dst, 100)
			dst = codec.AppendU32(dst, wkbLen)
			dst = append(dst, 1)
			dst = binary.LittleEndian.AppendUint32(dst, 3) // Polygon
			dst = binary.LittleEndian.AppendUint32(dst, 1) // one ring
			dst = binary.LittleEndian.AppendUint32(dst, 5)
			for _, p := range [5][2]float64{{x, y}, {x + 0.01, y}, {x + 0.01, y + 0.01}, {x, y + 0.01}, {x, y}} {
				dst = binary.LittleEndian.AppendUint64(dst, f64bits(p[0]))
				dst = binary.LittleEndian.AppendUint64(dst, f64bits(p[1]))
			}
			return dst
		}
	},
	"bin-put": func(points int, a Area) ScenarioFunc {
		return func(dst []byte, rng *rand.Rand) []byte {
			const props = `{"n":1}`
			dst = codec.AppendFrameHeader(dst, codec.OpPut, 1, 1+2+3+2+10+4+codec.WKBPointLen+4+len(props))
			dst = append(dst, 0) // no expected version
			dst = codec.AppendStr16(dst, "pts")
			var id [16]byte
			dst = codec.AppendStr16(dst, appendPadded(append(id[:0], "pt-"...), rng.IntN(points), 7))
			dst = codec.AppendU32(dst, codec.WKBPointLen)
			dst = codec.AppendWKBPoint(dst, a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W)
			return codec.AppendBytes32(dst, props)
		}
	},
	"bin-bulk": func(_ int, a Area) ScenarioFunc {
		// BulkSize new points with random ids in one insert frame.
		return func(dst []byte, rng *rand.Rand) []byte {
			const props = `{"n":1}`
			at := len(dst)
			dst = codec.AppendFrameHeader(dst, codec.OpInsert, 1, 0)
			dst = codec.AppendStr16(dst, "pts")
			dst = codec.AppendU32(dst, BulkSize)
			for i := 0; i < BulkSize; i++ {
				var id [16]byte
				b := append(id[:0], 'b')
				for v, k := rng.Uint64(), 0; k < 13; k, v = k+1, v>>4 {
					b = append(b, "0123456789abcdef"[v&15])
				}
				dst = codec.AppendStr16(dst, b)
				dst = codec.AppendU32(dst, codec.WKBPointLen)
				dst = codec.AppendWKBPoint(dst, a.Lon+rng.Float64()*a.W, a.Lat+rng.Float64()*a.W)
				dst = codec.AppendBytes32(dst, props)
			}
			binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
			return dst
		}
	},
}

func binSearchHead(dst []byte, limit uint32) []byte {
	dst = codec.AppendStr16(dst, "pts")
	dst = codec.AppendU32(dst, limit)
	return codec.AppendStr16(dst, "")
}

// dial opens a connection of the run's protocol.
func (r *run) dial() (net.Conn, error) {
	c, err := net.Dial("tcp", r.cfg.Addr)
	if err != nil {
		return nil, err
	}
	if r.binary {
		if _, err := c.Write(codec.Preamble[:]); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// readAnswer reads one answer of the run's protocol: its HTTP status (a
// frame's, mapped back) and whether the server closes after it.
func (r *run) readAnswer(br *bufio.Reader) (status int, closing bool, err error) {
	if !r.binary {
		return readResponse(br)
	}
	return readFrame(br)
}

// readFrame reads one answer frame, discarding its payload.
func readFrame(br *bufio.Reader) (status int, closing bool, err error) {
	head, err := br.Peek(codec.FrameHeaderLen)
	if err != nil {
		return 0, false, err
	}
	size := int(binary.BigEndian.Uint32(head))
	if size < codec.FrameHeaderLen-4 {
		return 0, false, fmt.Errorf("%w: a frame length of %d", errMalformed, size)
	}
	status = frameHTTP(head[4])
	_, err = br.Discard(4 + size)
	return status, false, err
}

// frameHTTP maps a frame status back to the HTTP status it stands for.
func frameHTTP(s byte) int {
	for _, h := range []int{200, 201, 400, 401, 404, 409, 412, 413, 422, 500, 503, 504, 505, 507} {
		if codec.FrameStatus(h) == s {
			return h
		}
	}
	if s < codec.StatusInternal {
		return 499
	}
	return 599
}

func f64bits(v float64) uint64 { return math.Float64bits(v) }

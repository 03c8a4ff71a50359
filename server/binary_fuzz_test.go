package server

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/geometryos/daemon1/codec"
)

// binaryFrames runs the binary protocol's framer over data as it arrives
// in the given chunks, as the loop does (consuming what it frames), and
// returns the frames it delimited and the status that ended it (0: none).
func binaryFrames(e *Engine, data []byte, cuts []int) (frames [][]byte, status int) {
	c := &conn{e: e}
	var buf []byte
	prev := 0
	for _, cut := range append(cuts, len(data)) {
		buf = append(buf, data[prev:cut]...)
		prev = cut
		for len(buf) > 0 {
			raw, n, st := binaryProtocol{}.next(c, buf, 1)
			if st != 0 {
				return frames, st
			}
			if n == 0 {
				break
			}
			if raw != nil {
				frames = append(frames, bytes.Clone(raw))
			}
			buf = buf[n:]
		}
	}
	return frames, 0
}

// FuzzBinaryFramer: input split anywhere frames as it does whole; every
// frame is exactly its length prefix plus 4 bytes, within the cap; no
// input panics.
func FuzzBinaryFramer(f *testing.F) {
	session := append([]byte{}, codec.Preamble[:]...)
	session = codec.AppendFrameHeader(session, codec.OpPing, 1, 3)
	session = append(session, "abc"...)
	session = codec.AppendFrameHeader(session, codec.OpGet, 2, 0)
	f.Add(session, uint16(3), uint16(11))
	f.Add([]byte{0xD1, 'P', 2, 0}, uint16(1), uint16(2))
	f.Add(append(append([]byte{}, codec.Preamble[:]...), 0xff, 0xff, 0xff, 0xff), uint16(5), uint16(6))
	e := &Engine{lim: Limits{MaxBodyBytes: 1 << 10}.withDefaults()}
	f.Fuzz(func(t *testing.T, data []byte, a, b uint16) {
		if len(data) == 0 || data[0] != BinaryMagic {
			return
		}
		whole, st := binaryFrames(e, data, nil)
		i, j := int(a)%(len(data)+1), int(b)%(len(data)+1)
		split, st2 := binaryFrames(e, data, []int{min(i, j), max(i, j)})
		if st != st2 || len(whole) != len(split) {
			t.Fatalf("split at %d, %d: %d frames, status %d; whole: %d frames, status %d", i, j, len(split), st2, len(whole), st)
		}
		for k := range whole {
			if !bytes.Equal(whole[k], split[k]) {
				t.Fatalf("frame %d differs when split", k)
			}
			fr := whole[k]
			if size := binary.BigEndian.Uint32(fr); int(size)+4 != len(fr) || len(fr) < codec.FrameHeaderLen || len(fr) > maxFrame(&e.lim)+4 {
				t.Fatalf("frame %d: length field %d, %d bytes", k, size, len(fr))
			}
		}
	})
}

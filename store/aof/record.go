package aof

import (
	"encoding/binary"
	"hash/crc32"
)

// Header opens every file: a name and a format version.
const Header = "D1AOF\x00\x00\x01"

// Framing constants.
const (
	marker     = 0xD1A0F5E7
	headerSize = 13 // marker, length, CRC, op
	// MaxRecord bounds a record's length: a larger one is damage. A bulk
	// insert of the API's maximum (10,000 features) is a few MB.
	MaxRecord = 256 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Op is what a record does; the store defines the values.
type Op uint8

// Begin starts a record in dst: it reserves the frame, and the payload is
// appended after it; Finish closes it.
func Begin(dst []byte, op Op) (out []byte, start int) {
	start = len(dst)
	dst = append(dst, make([]byte, headerSize)...)
	dst[start+12] = byte(op)
	return dst, start
}

// Finish writes the frame of the record begun at start, now that its
// payload is in place.
func Finish(dst []byte, start int) []byte {
	length := uint32(len(dst) - start - 12) // op and payload
	binary.BigEndian.PutUint32(dst[start:], marker)
	binary.BigEndian.PutUint32(dst[start+4:], length)
	binary.BigEndian.PutUint32(dst[start+8:], checksum(dst[start+4:start+8], dst[start+12:]))
	return dst
}

func checksum(length, body []byte) uint32 {
	return crc32.Update(crc32.Checksum(length, castagnoli), castagnoli, body)
}

// parse reads the record at the start of b: ok is false if b does not hold
// a whole sound record there.
func parse(b []byte) (op Op, payload []byte, size int, ok bool) {
	if len(b) < headerSize || binary.BigEndian.Uint32(b) != marker {
		return 0, nil, 0, false
	}
	length := binary.BigEndian.Uint32(b[4:])
	if length < 1 || length > MaxRecord || int(length) > len(b)-12 {
		return 0, nil, 0, false
	}
	body := b[12 : 12+length]
	if checksum(b[4:8], body) != binary.BigEndian.Uint32(b[8:]) {
		return 0, nil, 0, false
	}
	return Op(body[0]), body[1:], 12 + int(length), true
}

package codec

import (
	"encoding/binary"
	"errors"
	"math"
)

// The binary pipeline protocol's framing (docs/protocol.md has every
// layout). These constants are the wire format: never renumber one.
//
// A connection opens with the 4-byte preamble Magic, 'P', Version, 0.
// Then each request is a frame
//
//	u32 length (of what follows) | u8 op | u32 request id | payload
//
// and each answer, in request order,
//
//	u32 length (of what follows) | u8 status | u32 request id | payload
//
// All integers and floats are big-endian (network order), but inside WKB,
// which names its own byte order.
const (
	Magic          byte = 0xD1 // can never begin an HTTP request line
	Version        byte = 1
	PreambleLen         = 4
	FrameHeaderLen      = 9 // length, op or status, request id
)

// Preamble is what a client sends first, and what a server answers
// nothing to: the server's first bytes are its first answer.
var Preamble = [PreambleLen]byte{Magic, 'P', Version, 0}

// Ops of requests.
const (
	OpHello      byte = 0x01 // payload: the bearer token
	OpPing       byte = 0x02 // payload: anything, echoed
	OpGet        byte = 0x10
	OpPut        byte = 0x11
	OpDelete     byte = 0x12
	OpInsert     byte = 0x13 // bulk insert, all or nothing
	OpInsertIf   byte = 0x14 // bulk insert that skips or replaces the ids taken
	OpNearby     byte = 0x20
	OpWithin     byte = 0x21
	OpIntersects byte = 0x22
	OpBBox       byte = 0x23
	OpCreateColl byte = 0x30
	OpDropColl   byte = 0x31
)

// OpName names op for metrics and logs ("" for an unknown op).
func OpName(op byte) string {
	switch op {
	case OpHello:
		return "hello"
	case OpPing:
		return "ping"
	case OpGet:
		return "get"
	case OpPut:
		return "put"
	case OpDelete:
		return "delete"
	case OpInsert:
		return "insert"
	case OpInsertIf:
		return "insert-if"
	case OpNearby:
		return "nearby"
	case OpWithin:
		return "within"
	case OpIntersects:
		return "intersects"
	case OpBBox:
		return "bbox"
	case OpCreateColl:
		return "create-collection"
	case OpDropColl:
		return "drop-collection"
	}
	return ""
}

// Statuses of answers. An error status's payload is the same RFC 9457
// problem document (JSON) a REST client gets for the same error.
const (
	StatusOK            byte = 0x00
	StatusCreated       byte = 0x01
	StatusBadRequest    byte = 0x40 // 400: a malformed frame or payload, a bad argument
	StatusUnauthorized  byte = 0x41 // 401: a write before a hello with the token
	StatusNotFound      byte = 0x44 // 404: no such collection or feature
	StatusConflict      byte = 0x49 // 409
	StatusPrecondition  byte = 0x4C // 412: the expected version did not match
	StatusTooLarge      byte = 0x4D // 413
	StatusUnprocessable byte = 0x56 // 422: invalid geometry, or a reused key
	StatusOtherClient   byte = 0x4F // any other 4xx
	StatusInternal      byte = 0x50 // 500: a bug, logged under the problem's requestId
	StatusUnavailable   byte = 0x53 // 503: overloaded, starting, read-only: retry later
	StatusUnknown       byte = 0x54 // 504: the outcome of a write is unknown
	StatusVersion       byte = 0x55 // 505: a preamble of another protocol version
	StatusNoSpace       byte = 0x57 // 507: the disk is full
	StatusOtherServer   byte = 0x5F // any other 5xx
)

// FrameStatus is the frame status of an HTTP status: the one table
// between the two, so that every error a REST client can get has one.
func FrameStatus(http int) byte {
	switch http {
	case 200, 204:
		return StatusOK
	case 201:
		return StatusCreated
	case 400:
		return StatusBadRequest
	case 401:
		return StatusUnauthorized
	case 404:
		return StatusNotFound
	case 409:
		return StatusConflict
	case 412:
		return StatusPrecondition
	case 413:
		return StatusTooLarge
	case 422:
		return StatusUnprocessable
	case 500:
		return StatusInternal
	case 503:
		return StatusUnavailable
	case 504:
		return StatusUnknown
	case 505:
		return StatusVersion
	case 507:
		return StatusNoSpace
	}
	switch {
	case http < 300:
		return StatusOK
	case http < 500:
		return StatusOtherClient
	}
	return StatusOtherServer
}

// AppendFrameHeader appends a frame header whose payload is n bytes long.
func AppendFrameHeader(dst []byte, opOrStatus byte, id uint32, n int) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(n+FrameHeaderLen-4))
	dst = append(dst, opOrStatus)
	return binary.BigEndian.AppendUint32(dst, id)
}

// AppendStr16 appends a string field: u16 length, bytes.
func AppendStr16[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}

// AppendBytes32 appends a bytes field: u32 length, bytes.
func AppendBytes32[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

// AppendU32, AppendU64 and AppendF64 append big-endian numbers.
func AppendU32(dst []byte, v uint32) []byte  { return binary.BigEndian.AppendUint32(dst, v) }
func AppendU64(dst []byte, v uint64) []byte  { return binary.BigEndian.AppendUint64(dst, v) }
func AppendF64(dst []byte, v float64) []byte { return AppendU64(dst, math.Float64bits(v)) }

// ErrShortPayload is a payload that ends before its fields do.
var ErrShortPayload = errors.New("the payload ends before its fields do")

// Fields reads the fields of a payload in order. The first read past the
// end sets Err and returns zero values from then on, so a decoder reads
// every field and checks Err once. Slices it returns alias the payload.
type Fields struct {
	b   []byte
	Err error
}

// NewFields reads payload.
func NewFields(payload []byte) Fields { return Fields{b: payload} }

func (f *Fields) take(n int) []byte {
	if f.Err != nil || n > len(f.b) {
		f.Err = ErrShortPayload
		return nil
	}
	v := f.b[:n:n]
	f.b = f.b[n:]
	return v
}

// U8 reads a byte.
func (f *Fields) U8() byte {
	if b := f.take(1); b != nil {
		return b[0]
	}
	return 0
}

// U32 reads a u32.
func (f *Fields) U32() uint32 {
	if b := f.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// U64 reads a u64.
func (f *Fields) U64() uint64 {
	if b := f.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// F64 reads a float64.
func (f *Fields) F64() float64 { return math.Float64frombits(f.U64()) }

// Str16 reads a string field (u16 length, bytes).
func (f *Fields) Str16() []byte {
	b := f.take(2)
	if b == nil {
		return nil
	}
	return f.take(int(binary.BigEndian.Uint16(b)))
}

// Bytes32 reads a bytes field (u32 length, bytes).
func (f *Fields) Bytes32() []byte {
	b := f.take(4)
	if b == nil {
		return nil
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(f.b)) {
		f.Err = ErrShortPayload
		return nil
	}
	return f.take(int(n))
}

// Rest is what is left unread.
func (f *Fields) Rest() []byte { return f.b }

// Done reports the first error, or an error if bytes are left over: a
// payload must be exactly its fields.
func (f *Fields) Done() error {
	if f.Err == nil && len(f.b) > 0 {
		f.Err = errors.New("the payload has bytes after its last field")
	}
	return f.Err
}

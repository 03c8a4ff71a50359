package aof

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Damage describes what Scan found wrong with a file.
type Damage struct {
	// Offset is where the first bad record starts.
	Offset int64
	// Torn is true when nothing sound follows it: a write cut short by a
	// crash, or garbage after the last record. The file can be cut at
	// Offset without losing a record that was ever whole.
	Torn bool
	// Size is how many bytes from Offset to the end of the file.
	Size int64
}

func (d *Damage) Error() string {
	if d.Torn {
		return fmt.Sprintf("torn tail: %d bytes from offset %d hold no whole record", d.Size, d.Offset)
	}
	return fmt.Sprintf("bad record at offset %d, followed by sound ones (%d bytes from there to the end)", d.Offset, d.Size)
}

// ErrHeader is a file that does not start with Header.
var ErrHeader = errors.New("not a daemon1 append-only file (bad header)")

// Scan calls fn with every record of data (a whole file) in order. When it
// meets a record that is not sound it stops and returns a *Damage saying
// whether sound records follow; an error from fn stops it too and is
// returned. A file of nothing but the header (or empty) is sound.
func Scan(data []byte, fn func(op Op, payload []byte, offset int64) error) error {
	if len(data) == 0 {
		return nil
	}
	if len(data) < len(Header) || string(data[:len(Header)]) != Header {
		if bytes.HasPrefix([]byte(Header), data) {
			// Cut short while the header itself was being written.
			return &Damage{Offset: 0, Torn: true, Size: int64(len(data))}
		}
		return ErrHeader
	}
	return scanFrom(data, len(Header), fn)
}

// ScanBatch is Scan for a batch of records without the file's header (as
// a shared log carries them).
func ScanBatch(data []byte, fn func(op Op, payload []byte, offset int64) error) error {
	return scanFrom(data, 0, fn)
}

func scanFrom(data []byte, off int, fn func(op Op, payload []byte, offset int64) error) error {
	for off < len(data) {
		op, payload, size, ok := parse(data[off:])
		if !ok {
			return &Damage{Offset: int64(off), Torn: !soundAfter(data, off+1), Size: int64(len(data) - off)}
		}
		if err := fn(op, payload, int64(off)); err != nil {
			return err
		}
		off += size
	}
	return nil
}

// soundAfter reports whether a sound record starts anywhere at or after
// from: the marker makes the search linear.
func soundAfter(data []byte, from int) bool {
	var m [4]byte
	binary.BigEndian.PutUint32(m[:], marker)
	for from < len(data) {
		i := bytes.Index(data[from:], m[:])
		if i < 0 {
			return false
		}
		if _, _, _, ok := parse(data[from+i:]); ok {
			return true
		}
		from += i + 1
	}
	return false
}

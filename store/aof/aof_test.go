package aof

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/geometryos/daemon1/retry"
)

func records(n int) []byte {
	b := []byte(Header)
	for i := 0; i < n; i++ {
		var start int
		b, start = Begin(b, Op(1+i%5))
		b = fmt.Appendf(b, "payload %d", i)
		b = Finish(b, start)
	}
	return b
}

func count(t *testing.T, data []byte) (int, error) {
	t.Helper()
	n := 0
	err := Scan(data, func(op Op, payload []byte, _ int64) error {
		if want := fmt.Sprintf("payload %d", n); string(payload) != want || op != Op(1+n%5) {
			t.Fatalf("record %d: op %d %q", n, op, payload)
		}
		n++
		return nil
	})
	return n, err
}

func TestScanSound(t *testing.T) {
	for _, n := range []int{0, 1, 100} {
		if got, err := count(t, records(n)); got != n || err != nil {
			t.Fatalf("%d records: read %d, %v", n, got, err)
		}
	}
	if _, err := count(t, nil); err != nil {
		t.Fatalf("an empty file: %v", err)
	}
	if err := Scan([]byte("GARBAGE!!"), nil); !errors.Is(err, ErrHeader) {
		t.Fatalf("bad header: %v", err)
	}
}

// A file cut anywhere in its last record, or with garbage after it, has a
// torn tail at the last record's end; the records before are all read.
func TestScanTornTail(t *testing.T) {
	full := records(10)
	last := len(records(9))
	for cut := last + 1; cut < len(full); cut++ {
		n, err := count(t, full[:cut])
		var d *Damage
		if n != 9 || !errors.As(err, &d) || !d.Torn || d.Offset != int64(last) {
			t.Fatalf("cut at %d: %d records, %v", cut, n, err)
		}
	}
	for _, garbage := range [][]byte{{0}, []byte("xxxxxxxxxxxxxxxxxxxxxxxx"), bytes.Repeat([]byte{0xD1}, 50), full[len(Header) : len(Header)+7]} {
		n, err := count(t, append(bytes.Clone(full), garbage...))
		var d *Damage
		if n != 10 || !errors.As(err, &d) || !d.Torn || d.Offset != int64(len(full)) {
			t.Fatalf("garbage %q: %d records, %v", garbage, n, err)
		}
	}
	if _, err := count(t, []byte(Header[:3])); !errors.As(err, new(*Damage)) {
		t.Fatalf("a cut header: %v", err)
	}
}

// One flipped byte anywhere but in the last record is damage in the middle:
// sound records follow it.
func TestScanCorruptionInTheMiddle(t *testing.T) {
	full := records(20)
	last := len(records(19))
	for i := len(Header); i < last; i++ {
		data := bytes.Clone(full)
		data[i] ^= 0x40
		_, err := count(t, data)
		var d *Damage
		if !errors.As(err, &d) || d.Torn || d.Offset > int64(i) {
			t.Fatalf("byte %d flipped: %v, want damage at or before it with sound records after", i, err)
		}
	}
}

// faultFile fails on demand.
type faultFile struct {
	*os.File
	writeErr   error
	shortBy    int // bytes of a failed write that still land
	syncErr    error
	writeCalls int
}

func (f *faultFile) Write(b []byte) (int, error) {
	f.writeCalls++
	if f.writeErr != nil {
		n, _ := f.File.Write(b[:len(b)-f.shortBy])
		return n, f.writeErr
	}
	return f.File.Write(b)
}

func (f *faultFile) Sync() error {
	if f.syncErr != nil {
		return f.syncErr
	}
	return f.File.Sync()
}

func faulty(t *testing.T) (*Writer, *faultFile) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.aof")
	osf, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	ff := &faultFile{File: osf}
	w, err := NewWriterOn(ff, path, 0, &retry.Retrier{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, ff
}

// A write cut short by a full disk is cut back out of the file: what
// follows lands right after the last whole record.
func TestAppendNoSpaceCutsBack(t *testing.T) {
	w, ff := faulty(t)
	rec := records(3)[len(Header):]
	if err := w.Append(rec, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	ff.writeErr, ff.shortBy = syscall.ENOSPC, 5
	if err := w.Append(rec, time.Now().Add(time.Second)); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("append on a full disk: %v", err)
	}
	if ff.writeCalls != 3 { // the header, the first batch, the refused one
		t.Fatalf("a full disk was retried: %d writes", ff.writeCalls)
	}
	ff.writeErr = nil
	if err := w.Append(rec, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(w.Path())
	n := 0
	if err := Scan(data, func(Op, []byte, int64) error { n++; return nil }); err != nil || n != 6 {
		t.Fatalf("after the failed write: %d records, %v", n, err)
	}
	if int64(len(data)) != w.Size() || len(data) != len(Header)+2*len(rec) {
		t.Fatalf("file %d bytes, writer says %d, want %d", len(data), w.Size(), len(Header)+2*len(rec))
	}
}

// A transient error is retried until it passes or the deadline does.
func TestAppendRetriesTransient(t *testing.T) {
	w, ff := faulty(t)
	ff.writeErr = syscall.EIO
	start := time.Now()
	if err := w.Append(records(1)[len(Header):], time.Now().Add(50*time.Millisecond)); err == nil || errors.Is(err, ErrNoSpace) {
		t.Fatalf("a failing disk: %v", err)
	}
	if ff.writeCalls < 2 || time.Since(start) > 5*time.Second {
		t.Fatalf("%d attempts", ff.writeCalls)
	}
	if fi, _ := os.Stat(w.Path()); fi.Size() != int64(len(Header)) {
		t.Fatalf("failed attempts left %d bytes", fi.Size())
	}
}

func TestSyncFailureIsErrSync(t *testing.T) {
	w, ff := faulty(t)
	ff.syncErr = syscall.EIO
	if err := w.Sync(); !errors.Is(err, ErrSync) {
		t.Fatalf("sync: %v", err)
	}
}

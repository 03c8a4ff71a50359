package aof

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/geometryos/daemon1/retry"
)

// The ways an append can fail that callers answer differently.
var (
	// ErrNoSpace: the disk is full (ENOSPC, EDQUOT); the batch was cut
	// back out of the file. The API answers 507.
	ErrNoSpace = errors.New("no space left for the append-only file")
	// ErrSync: fsync failed. The kernel may have dropped the dirty pages,
	// so the same data is never synced again: the store turns read-only.
	ErrSync = errors.New("fsync of the append-only file failed")
)

// file is what a Writer needs of an *os.File; tests inject faults.
type file interface {
	Write(b []byte) (int, error)
	Sync() error
	Truncate(size int64) error
	Seek(offset int64, whence int) (int64, error)
	Close() error
}

// Writer appends batches of records to the file.
type Writer struct {
	f       file
	path    string
	size    int64 // bytes known written, all whole records
	retrier *retry.Retrier
}

// OpenWriter opens path for appending after its first size bytes (the
// sound part Scan found: whatever follows is cut off), creating it with its
// header when it is new or empty, and makes the header and the cut durable.
func OpenWriter(path string, size int64, r *retry.Retrier) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the append-only file: %w", err)
	}
	w := &Writer{f: f, path: path, size: size, retrier: r}
	if err := w.start(); err != nil {
		f.Close()
		return nil, err
	}
	return w, syncDir(filepath.Dir(path))
}

func (w *Writer) start() error {
	if err := w.f.Truncate(w.size); err != nil {
		return fmt.Errorf("cannot cut the append-only file to %d bytes: %w", w.size, err)
	}
	if _, err := w.f.Seek(w.size, 0); err != nil {
		return err
	}
	if w.size == 0 {
		if _, err := w.f.Write([]byte(Header)); err != nil {
			return fmt.Errorf("cannot write the append-only file's header: %w", classify(err))
		}
		w.size = int64(len(Header))
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("%w: %w", ErrSync, err)
	}
	return nil
}

// Size is the file's length: header and whole records.
func (w *Writer) Size() int64 { return w.size }

// Path is the file's path.
func (w *Writer) Path() string { return w.path }

// Append writes b (whole records) with one write. A transient failure is
// retried until deadline; any failure first cuts the file back to where it
// was, so that a partly written batch never sits under later records. A
// full disk is ErrNoSpace at once. b is not synced: see Sync.
func (w *Writer) Append(b []byte, deadline time.Time) error {
	op := retry.Op{Name: "aof_write", Idempotent: true, Deadline: deadline, Max: 50 * time.Millisecond}
	err := w.retrier.Do(context.Background(), op, func(context.Context) error {
		n, err := w.f.Write(b)
		if err == nil {
			return nil
		}
		if n > 0 {
			if terr := w.cutBack(); terr != nil {
				return retry.MarkPermanent(terr)
			}
		}
		if err = classify(err); errors.Is(err, ErrNoSpace) {
			return retry.MarkPermanent(err)
		}
		return err
	})
	if err != nil {
		return err
	}
	w.size += int64(len(b))
	return nil
}

// cutBack truncates the file to its last whole record and puts the write
// position there. If that fails too, the file's tail is unknown: a
// permanent error (the store turns read-only; replay cuts the torn tail).
func (w *Writer) cutBack() error {
	if err := w.f.Truncate(w.size); err != nil {
		return fmt.Errorf("%w: cannot cut a failed write back out: %v", ErrSync, err)
	}
	if _, err := w.f.Seek(w.size, 0); err != nil {
		return fmt.Errorf("%w: %w", ErrSync, err)
	}
	return nil
}

// Sync makes what was appended durable. Its failure is ErrSync and is not
// to be retried on the same data.
func (w *Writer) Sync() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("%w: %w", ErrSync, err)
	}
	return nil
}

// Close closes the file.
func (w *Writer) Close() error { return w.f.Close() }

// classify maps a write error to ErrNoSpace when the disk is full.
func classify(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}

// syncDir makes a directory's entries (a new or renamed file) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("%w: the directory %s: %v", ErrSync, dir, err)
	}
	return nil
}

// File is what a Writer needs of an *os.File.
type File = file

// NewWriterOn is OpenWriter on a file the caller opened (tests inject
// faults with it): the file holds size bytes of sound records.
func NewWriterOn(f File, path string, size int64, r *retry.Retrier) (*Writer, error) {
	w := &Writer{f: f, path: path, size: size, retrier: r}
	if err := w.start(); err != nil {
		return nil, err
	}
	return w, nil
}

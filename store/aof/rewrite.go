package aof

import (
	"fmt"
	"os"
	"path/filepath"
)

// Rewriter builds a compacted file beside the live one and swaps it in.
type Rewriter struct {
	f    *os.File
	tmp  string
	size int64
}

// NewRewriter starts path's replacement as path + ".rewrite", with the
// header written.
func NewRewriter(path string) (*Rewriter, error) {
	tmp := path + ".rewrite"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", tmp, err)
	}
	r := &Rewriter{f: f, tmp: tmp}
	if err := r.Write([]byte(Header)); err != nil {
		r.Abort()
		return nil, err
	}
	return r, nil
}

// Write appends whole records.
func (r *Rewriter) Write(b []byte) error {
	n, err := r.f.Write(b)
	r.size += int64(n)
	if err != nil {
		return fmt.Errorf("writing %s: %w", r.tmp, classify(err))
	}
	return nil
}

// Sync makes what was written durable.
func (r *Rewriter) Sync() error {
	if err := r.f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", r.tmp, err)
	}
	return nil
}

// Size is the new file's length so far.
func (r *Rewriter) Size() int64 { return r.size }

// Commit makes the new file the live one: it syncs it, renames it over
// w's path, syncs the directory, and w appends to it from then on. On
// failure the live file is untouched (before the rename) and the new one
// is removed.
func (r *Rewriter) Commit(w *Writer) error {
	if err := r.Sync(); err != nil {
		r.Abort()
		return err
	}
	if err := os.Rename(r.tmp, w.path); err != nil {
		r.Abort()
		return fmt.Errorf("cannot rename %s over %s: %w", r.tmp, w.path, err)
	}
	old := w.f
	w.f, w.size = r.f, r.size
	old.Close()
	return syncDir(filepath.Dir(w.path))
}

// Abort closes and removes the unfinished file.
func (r *Rewriter) Abort() {
	r.f.Close()
	os.Remove(r.tmp)
}

// Install makes the new file path (a snapshot, not a live file): it syncs
// and closes it, renames it over path and syncs the directory. On failure
// path is untouched (before the rename) and the new file is removed.
func (r *Rewriter) Install(path string) error {
	if err := r.Sync(); err != nil {
		r.Abort()
		return err
	}
	if err := r.f.Close(); err != nil {
		os.Remove(r.tmp)
		return fmt.Errorf("closing %s: %w", r.tmp, err)
	}
	if err := os.Rename(r.tmp, path); err != nil {
		os.Remove(r.tmp)
		return fmt.Errorf("cannot rename %s over %s: %w", r.tmp, path, err)
	}
	return syncDir(filepath.Dir(path))
}

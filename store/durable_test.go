package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/geometryos/daemon1/retry"
	"github.com/geometryos/daemon1/store/aof"
)

func open(t *testing.T, dir string, repair bool, o Options) *Durable {
	t.Helper()
	d, err := Open(dir, repair, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// dump is a store's whole state as text: collections with their metadata
// and version counter, features with id, version, geometry, properties,
// and what the spatial index holds (id, version and box of each entry).
func dump(s *Store) string {
	var b strings.Builder
	for _, c := range s.Collections() {
		title, desc := c.Meta()
		fmt.Fprintf(&b, "collection %s %q %q v%d\n", c.name, title, desc, c.version)
		c.ids.Scan(func(id string, f *Feature) bool {
			lon, lat, pt := f.Point()
			fmt.Fprintf(&b, "  %q num=%v v%d pt=%v %g %g %s %s\n", id, f.numeric, f.version, pt, lon, lat, f.GeometryJSON(), f.Properties())
			return true
		})
		var index []string
		c.tree.Scan(func(min, max [2]float32, f *Feature) bool {
			index = append(index, fmt.Sprintf("%q v%d %v %v", f.ID(), f.version, min, max))
			return true
		})
		slices.Sort(index)
		fmt.Fprintf(&b, "  index: %s\n", strings.Join(index, ", "))
		fmt.Fprintf(&b, "  queryables: %v\n", c.Queryables())
	}
	return b.String()
}

// someWrites makes one of every kind of write.
func someWrites(t *testing.T, s *Store) {
	t.Helper()
	c, _, err := s.Create("a", "Alpha", "first")
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.Create(point(t, "p1", 1, 2))
	must(err)
	_, err = c.Create(feature(t, `{"type":"Feature","id":7,"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"k":"v"}}`))
	must(err)
	_, _, err = c.Put(point(t, "p1", 3, 4), nil)
	must(err)
	moved := feature(t, `{"type":"Feature","geometry":{"type":"Point","coordinates":[5,6]},"properties":{"m":1}}`)
	_, err = c.Update("7", nil, func(*Feature) (*Input, error) { return moved, nil })
	must(err)
	var ins []*Input
	for i := 0; i < 50; i++ {
		ins = append(ins, point(t, fmt.Sprintf("b%02d", i), float64(i), 0))
	}
	_, err = c.InsertAll(ins)
	must(err)
	must(c.Delete("b07", nil))
	_, err = c.Create(feature(t, `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":null}`))
	must(err)
	gone, _, err := s.Create("gone", "", "")
	must(err)
	_, err = gone.Create(point(t, "x", 0, 0))
	must(err)
	_, err = s.Drop("gone")
	must(err)
	_, _, err = s.Create("a", "Alpha 2", "")
	must(err)
}

func TestReplayRebuildsTheStore(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir, false, Options{})
	someWrites(t, d.Store)
	want := dump(d.Store)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = open(t, dir, false, Options{})
	defer d.Close()
	if got := dump(d.Store); got != want {
		t.Fatalf("after replay:\n%s\nwant:\n%s", got, want)
	}
	if d.Replay.Records == 0 || d.Replay.TornBytes != 0 {
		t.Fatalf("report %+v", d.Replay)
	}
	// Versions go on from where they were: no ETag is given twice.
	c := d.Collection("a")
	before := c.version
	f, err := c.Create(point(t, "new", 0, 0))
	if err != nil || f.version != before+1 || before < 55 {
		t.Fatalf("a new write after replay has version %d (the counter was %d)", f.version, before)
	}
}

func TestReplayCutsATornTail(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir, false, Options{})
	someWrites(t, d.Store)
	want := dump(d.Store)
	d.Close()
	path := filepath.Join(dir, FileName)
	data, _ := os.ReadFile(path)
	// A record cut short, as a crash during a write leaves it.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(data[len(aof.Header) : len(aof.Header)+20])
	f.Close()
	d = open(t, dir, false, Options{})
	if got := dump(d.Store); got != want || d.Replay.TornBytes != 20 || d.Replay.Kept != int64(len(data)) {
		t.Fatalf("report %+v; state:\n%s", d.Replay, got)
	}
	// The cut is made: writing on leaves a sound file.
	if _, err := d.Collection("a").Create(point(t, "after", 1, 1)); err != nil {
		t.Fatal(err)
	}
	want = dump(d.Store)
	d.Close()
	d = open(t, dir, false, Options{})
	defer d.Close()
	if got := dump(d.Store); got != want || d.Replay.TornBytes != 0 {
		t.Fatalf("after writing past the cut: %+v", d.Replay)
	}
}

func TestReplayRefusesCorruptionAndRepairs(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir, false, Options{})
	someWrites(t, d.Store)
	d.Close()
	path := filepath.Join(dir, FileName)
	data, _ := os.ReadFile(path)
	mid := len(data) / 2
	data[mid] ^= 0x01
	os.WriteFile(path, data, 0o644)
	_, err := Open(dir, false, Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "offset") || !strings.Contains(err.Error(), "-aof-repair") {
		t.Fatalf("opening a corrupt file: %v", err)
	}
	d = open(t, dir, true, Options{})
	defer d.Close()
	if d.Replay.MovedTo == "" || d.Replay.Kept > int64(mid) || d.Replay.Kept+d.Replay.MovedBytes != int64(len(data)) {
		t.Fatalf("repair report %+v", d.Replay)
	}
	aside, err := os.ReadFile(d.Replay.MovedTo)
	if err != nil || string(aside) != string(data[d.Replay.Kept:]) {
		t.Fatalf("the damaged part was not kept aside: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Size() != d.Replay.Kept {
		t.Fatalf("the file is %d bytes, want the sound %d", fi.Size(), d.Replay.Kept)
	}
}

// Writes go on while the file is compacted; nothing is lost and the file
// stays bounded.
func TestCompactionUnderConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	o := Options{RewriteMinSize: 32 << 10, RewriteRatio: 2, Fsync: FsyncNo}
	d := open(t, dir, false, o)
	c, _, _ := d.Create("c", "", "")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1500; i++ {
				// 50 ids per writer, rewritten again and again.
				if _, _, err := c.Put(point(t, fmt.Sprintf("g%d-%02d", g, i%50), float64(i%90), float64(g)), nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := d.Stats()
	if st.Rewrites.Load() == 0 {
		t.Fatalf("no compaction after %d bytes appended", st.Bytes.Load())
	}
	if size := d.Writer.Size(); size > 200<<10 {
		t.Fatalf("the file is %d bytes after compactions: not bounded", size)
	}
	want := dump(d.Store)
	d.Close()
	d = open(t, dir, false, o)
	defer d.Close()
	if got := dump(d.Store); got != want {
		t.Fatal("the state after compactions and replay differs")
	}
	if n := d.Collection("c").Len(); n != 200 {
		t.Fatalf("%d features, want 200", n)
	}
}

// faultFile fails writes or syncs on demand.
type faultFile struct {
	*os.File
	mu               sync.Mutex
	writeErr, syncEr error
}

func (f *faultFile) Write(b []byte) (int, error) {
	f.mu.Lock()
	err := f.writeErr
	f.mu.Unlock()
	if err != nil {
		n, _ := f.File.Write(b[:len(b)/2])
		return n, err
	}
	return f.File.Write(b)
}

func (f *faultFile) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.syncEr != nil {
		return f.syncEr
	}
	return f.File.Sync()
}

func (f *faultFile) set(write, sync error) {
	f.mu.Lock()
	f.writeErr, f.syncEr = write, sync
	f.mu.Unlock()
}

// faultyStore is a durable store on a faultFile.
func faultyStore(t *testing.T) (*Store, *faultFile, string) {
	t.Helper()
	return faultyStoreWith(t, FsyncAlways)
}

// faultyStoreWith is faultyStore under another fsync policy.
func faultyStoreWith(t *testing.T, fsync Fsync) (*Store, *faultFile, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	osf, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	ff := &faultFile{File: osf}
	w, err := aof.NewWriterOn(ff, path, 0, &retry.Retrier{})
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(Options{File: w, WriteTimeout: 20 * 1e6, Fsync: fsync})
	go s.commit()
	t.Cleanup(func() { s.Close(); w.Close() })
	return s, ff, dir
}

// A full disk: writes fail with ErrNoSpace and change nothing; reads go
// on; when there is room again writes go on, and the file holds exactly
// the writes that succeeded.
func TestNoSpace(t *testing.T) {
	s, ff, dir := faultyStore(t)
	c, _, err := s.Create("c", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(point(t, "ok1", 1, 1)); err != nil {
		t.Fatal(err)
	}
	ff.set(syscall.ENOSPC, nil)
	if _, err := c.Create(point(t, "lost", 2, 2)); !errors.Is(err, ErrNoSpace) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("a write on a full disk: %v", err)
	}
	if _, ok := c.Get("lost"); ok {
		t.Fatal("a refused write is visible")
	}
	if _, ok := c.Get("ok1"); !ok || s.ReadOnly() != "" {
		t.Fatal("reads stopped, or a full disk turned the store read-only")
	}
	ff.set(nil, nil)
	if _, err := c.Create(point(t, "ok2", 3, 3)); err != nil {
		t.Fatal(err)
	}
	want := dump(s)
	d := open(t, dir, false, Options{})
	defer d.Close()
	got := dump(d.Store)
	// The refused write's version was spent in memory; the replayed
	// counter comes from what was written.
	if strings.Contains(got, "lost") || !strings.Contains(got, `"ok1"`) || !strings.Contains(got, `"ok2"`) || d.Replay.TornBytes != 0 {
		t.Fatalf("after a full disk the file replays as:\n%s\nthe store had:\n%s", got, want)
	}
}

// A failed fsync is not retried: the store turns read-only, writes fail
// with ErrReadOnly from then on, reads go on.
func TestSyncFailureTurnsReadOnly(t *testing.T) {
	s, ff, _ := faultyStore(t)
	c, _, _ := s.Create("c", "", "")
	if _, err := c.Create(point(t, "ok", 1, 1)); err != nil {
		t.Fatal(err)
	}
	ff.set(nil, syscall.EIO)
	if _, err := c.Create(point(t, "x", 2, 2)); !errors.Is(err, ErrReadOnly) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("a write whose fsync fails: %v", err)
	}
	ff.set(nil, nil)
	if _, err := c.Create(point(t, "y", 3, 3)); !errors.Is(err, ErrReadOnly) || s.ReadOnly() == "" {
		t.Fatalf("a write after a failed fsync: %v (%q)", err, s.ReadOnly())
	}
	if _, ok := c.Get("ok"); !ok {
		t.Fatal("reads stopped")
	}
	if _, ok := c.Get("x"); ok {
		t.Fatal("the write whose fsync failed is visible")
	}
}

// Writes of one collection from many goroutines are group-committed:
// fewer fsyncs than writes.
func TestGroupCommit(t *testing.T) {
	d := open(t, t.TempDir(), false, Options{})
	defer d.Close()
	c, _, _ := d.Create("c", "", "")
	var wg sync.WaitGroup
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if _, _, err := c.Put(point(t, fmt.Sprintf("%d-%d", g, i), 0, 0), nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	st := d.Stats()
	t.Logf("%d writes in %d batches, %d fsyncs", 641, st.Batches.Load(), st.Syncs.Load())
	if st.Syncs.Load() >= 640 || c.Len() != 640 {
		t.Fatalf("%d fsyncs for 641 writes; %d features", st.Syncs.Load(), c.Len())
	}
	ids := []string{}
	c.ids.Scan(func(id string, _ *Feature) bool { ids = append(ids, id); return true })
	if !slices.IsSorted(ids) {
		t.Fatal("ids out of order")
	}
}

// A write that panics gets the panic as its error; the committer goes on.
func TestPanickingWriteLeavesTheCommitter(t *testing.T) {
	_, c := newTestCollection(t)
	if _, err := c.Create(point(t, "a", 0, 0)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Update("a", nil, func(*Feature) (*Input, error) { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("a panicking write: %v", err)
	}
	if _, err := c.Create(point(t, "b", 0, 0)); err != nil {
		t.Fatalf("a write after it: %v", err)
	}
}

// A feature's versions (its ETags) never repeat over the store's life: not
// when its collection is dropped and made anew, not across restarts, not
// after a compaction has forgotten the dropped collection.
func TestVersionsNeverRepeat(t *testing.T) {
	dir := t.TempDir()
	o := Options{Fsync: FsyncNo}
	seen := map[uint64]bool{}
	put := func(s *Store) {
		t.Helper()
		c, _, err := s.Create("c", "", "")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			f, _, err := c.Put(point(t, "p", float64(i), 0), nil)
			if err != nil {
				t.Fatal(err)
			}
			if seen[f.Version()] {
				t.Fatalf("version %d given out twice", f.Version())
			}
			seen[f.Version()] = true
		}
		if _, err := s.Drop("c"); err != nil {
			t.Fatal(err)
		}
	}
	d := open(t, dir, false, o)
	put(d.Store)
	put(d.Store) // dropped and made anew
	d.Close()
	d = open(t, dir, false, o)
	put(d.Store) // after a restart
	d.startCompaction(t)
	d.Close()
	d = open(t, dir, false, o) // from the compacted file, which holds no "c"
	defer d.Close()
	put(d.Store)
}

// startCompaction compacts the file now and waits for it.
func (d *Durable) startCompaction(t *testing.T) {
	t.Helper()
	before := d.Stats().Rewrites.Load()
	done := make(chan struct{})
	err := d.do(func(*batch) error { d.startRewrite(); close(done); return nil })
	<-done
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); d.Stats().Rewrites.Load() == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the compaction did not finish")
		}
	}
}

// Close reports a failed final fsync (under the policies that sync late).
func TestCloseReportsTheFinalSync(t *testing.T) {
	s, ff, _ := faultyStoreWith(t, FsyncNo)
	d := &Durable{Store: s, Writer: s.opts.File}
	if _, _, err := s.Create("c", "", ""); err != nil {
		t.Fatal(err)
	}
	ff.set(nil, syscall.EIO)
	if err := d.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Close after a failing final fsync: %v", err)
	}
}

// An unlocated feature (null geometry) survives replay and compaction.
func TestUnlocatedFeatureIsDurable(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir, false, Options{Fsync: FsyncNo})
	c, _, _ := d.Create("c", "", "")
	in, err := ParseFeature([]byte(`{"type":"Feature","id":"x","geometry":null,"properties":{"a":1}}`), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(in); err != nil {
		t.Fatal(err)
	}
	want := dump(d.Store)
	d.startCompaction(t)
	d.Close()
	d = open(t, dir, false, Options{})
	defer d.Close()
	if got := dump(d.Store); got != want || !strings.Contains(got, "null") {
		t.Fatalf("replayed:\n%s\nwant:\n%s", got, want)
	}
}

// A write made once: a retry with the same key and request gets the first
// answer and writes nothing; the same key with another request is
// refused; the keys survive a restart and a compaction, and expire.
func TestWritesMadeOnce(t *testing.T) {
	dir := t.TempDir()
	o := Options{Fsync: FsyncNo}
	d := open(t, dir, false, o)
	c, _, _ := d.Create("c", "", "")
	once := func(key, req string) *Once {
		return &Once{Key: key, Sum: sha256.Sum256([]byte(req)), Answer: func(f *Feature, res BulkResult) []byte {
			if f != nil {
				return []byte("created " + f.ID())
			}
			return fmt.Appendf(nil, "inserted %d", res.Inserted)
		}}
	}
	f, replay, err := c.CreateOnce(anon(t, 1, 1), once("k1", "a"))
	if err != nil || replay != nil || f == nil {
		t.Fatalf("first: %v %v %v", f, replay, err)
	}
	first := "created " + f.ID()
	check := func(c *Collection, key, req, want string, wantErr error) {
		t.Helper()
		f, replay, err := c.CreateOnce(anon(t, 2, 2), once(key, req))
		if !errors.Is(err, wantErr) || f != nil || wantErr == nil && (replay == nil || string(replay.Answer) != want) {
			t.Fatalf("again %s: %v %v %v, want the answer %q", key, f, replay, err, want)
		}
	}
	check(c, "k1", "a", first, nil)
	check(c, "k1", "b", "", ErrKeyReused)
	if _, _, replay, err := c.Bulk([]*Input{anon(t, 3, 3), anon(t, 4, 4)}, IfExistsFail, once("k2", "bulk")); err != nil || replay != nil {
		t.Fatal(err)
	}
	if n := c.Len(); n != 3 {
		t.Fatalf("%d features, want 3: retries wrote", n)
	}
	d.Close()
	d = open(t, dir, false, o)
	check(d.Collection("c"), "k1", "a", first, nil)
	d.startCompaction(t)
	d.Close()
	d = open(t, dir, false, o)
	c = d.Collection("c")
	check(c, "k1", "a", first, nil)
	if _, _, replay, err := c.Bulk([]*Input{anon(t, 5, 5)}, IfExistsFail, once("k2", "bulk")); err != nil || replay == nil || string(replay.Answer) != "inserted 2" {
		t.Fatalf("bulk retry after compaction: %v %v", replay, err)
	}
	if n := c.Len(); n != 3 {
		t.Fatalf("%d features, want 3", n)
	}
	d.Close()
	o.KeyTTL = time.Nanosecond
	d = open(t, dir, false, o)
	defer d.Close()
	if _, replay, err := d.Collection("c").CreateOnce(anon(t, 6, 6), once("k1", "a")); err != nil || replay != nil {
		t.Fatalf("an expired key still answered: %v %v", replay, err)
	}
}

// anon is a point feature without an id.
func anon(t *testing.T, lon, lat float64) *Input {
	t.Helper()
	return feature(t, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%g,%g]}}`, lon, lat))
}

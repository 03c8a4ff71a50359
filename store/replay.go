package store

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/geometryos/daemon1/store/aof"
)

// ReplayReport says what start-up found in the append-only file.
type ReplayReport struct {
	Records, Features int64
	Took              time.Duration
	Kept              int64  // bytes of sound records (and header) kept
	TornBytes         int64  // bytes of a torn tail cut off
	MovedTo           string // with repair: where the damaged rest went
	MovedBytes        int64
}

func (r ReplayReport) String() string {
	s := fmt.Sprintf("replayed %d records (%d features) in %s", r.Records, r.Features, r.Took.Round(time.Millisecond))
	if r.Took > 0 {
		s += fmt.Sprintf(", %.0f features/s", float64(r.Features)/r.Took.Seconds())
	}
	if r.TornBytes > 0 {
		s += fmt.Sprintf("; cut a torn tail of %d bytes at offset %d", r.TornBytes, r.Kept)
	}
	if r.MovedTo != "" {
		s += fmt.Sprintf("; REPAIRED: moved %d bytes from offset %d to %s", r.MovedBytes, r.Kept, r.MovedTo)
	}
	return s
}

// replayFile applies path's records to s, which serves nothing yet.
func (s *Store) replayFile(path string, repair bool) (ReplayReport, error) {
	var rep ReplayReport
	start := time.Now()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("cannot read the append-only file: %w", err)
	}
	// Replay builds the heap from nothing: collecting it over and over as
	// it grows costs more than the replay itself. Collect less meanwhile.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	// The records fill the id trees only; each collection's spatial index
	// is then built in one bulk load (inserting a million boxes one at a
	// time was most of a replay), whatever the replay ends with.
	s.indexLater = true
	defer s.buildIndexes()
	// Decoding (parsing, allocating features) and applying (filling the
	// trees) overlap: this goroutine decodes, another applies, in order.
	work := make(chan func() error, 2)
	var applyErr error
	applied := make(chan struct{})
	go func() {
		defer close(applied)
		for apply := range work {
			if applyErr == nil {
				applyErr = apply()
			}
		}
	}()
	err = aof.Scan(data, func(op aof.Op, payload []byte, offset int64) error {
		rec, n, err := decodeRecord(op, payload)
		if err != nil {
			return fmt.Errorf("%s: the record at offset %d does not decode: %w", path, offset, err)
		}
		rep.Records++
		rep.Features += int64(n)
		work <- func() error {
			if err := rec.apply(s); err != nil {
				return fmt.Errorf("%s: the record at offset %d does not apply: %w", path, offset, err)
			}
			return nil
		}
		return nil
	})
	close(work)
	<-applied
	if err == nil {
		err = applyErr
	}
	rep.Kept = int64(len(data))
	var dmg *aof.Damage
	switch {
	case errors.As(err, &dmg) && dmg.Torn:
		rep.Kept, rep.TornBytes = dmg.Offset, dmg.Size
	case errors.As(err, &dmg) && repair:
		rep.Kept, rep.MovedBytes = dmg.Offset, dmg.Size
		rep.MovedTo = path + ".damaged-" + strconv.FormatInt(time.Now().Unix(), 10)
		if err := writeAside(rep.MovedTo, data[dmg.Offset:]); err != nil {
			return rep, err
		}
	case errors.As(err, &dmg):
		return rep, fmt.Errorf("%s has a bad record at offset %d with sound records after it (%d bytes from there to the end): "+
			"refusing to start. Start once with -aof-repair to keep the %d bytes before it and move the rest aside (nothing is deleted)",
			path, dmg.Offset, dmg.Size, dmg.Offset)
	case err != nil:
		return rep, err
	}
	s.buildIndexes()
	rep.Took = time.Since(start)
	s.stats.ReplayNanos.Store(int64(rep.Took))
	s.stats.ReplayRecords.Store(rep.Records)
	return rep, nil
}

// buildIndexes builds every collection's spatial index after a replay,
// and indexes as writes come from then on.
func (s *Store) buildIndexes() {
	if !s.indexLater {
		return
	}
	s.indexLater = false
	for _, c := range s.Collections() {
		c.buildIndex()
	}
}

// writeAside keeps the damaged part of a file, durably, before the file is
// cut.
func writeAside(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("cannot move the damaged records aside: %w", err)
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot move the damaged records aside to %s: %w", path, err)
	}
	return nil
}

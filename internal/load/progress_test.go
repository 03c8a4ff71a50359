package load

import (
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	f := func(s Stats, total int64, want string) {
		t.Helper()
		if got := s.Line(total); got != want {
			t.Errorf("Line(%d) = %q, want %q", total, got, want)
		}
	}
	f(Stats{Inserted: 1500, Skipped: 500, Elapsed: 2 * time.Second, Bytes: 1 << 20}, 4<<20,
		"2,000 features, 1,000/s, 25% of 4.0 MiB, 6s left")
	f(Stats{Inserted: 1234567, Elapsed: time.Second, Bytes: 10, Retries: 2}, 0, "1,234,567 features, 1,234,567/s, 2 retried")
	f(Stats{Inserted: 10, Elapsed: time.Second, Bytes: 100, Done: true}, 100, "10 features, 10/s, 100% of 100 B")
	f(Stats{}, 100, "0 features, 0/s")
	f(Stats{Inserted: 30, Elapsed: 200 * time.Millisecond, Bytes: 30}, 100, "30 features, 150/s, 30% of 100 B, 500ms left")
	f(Stats{Inserted: 30, Elapsed: 2 * time.Hour, Bytes: 30}, 100, "30 features, 0/s, 30% of 100 B, 4h40m0s left")
}

func TestSummary(t *testing.T) {
	s := Stats{Inserted: 900, Skipped: 100, Requests: 3, Retries: 1, Elapsed: 500 * time.Millisecond}
	want := `loaded 1,000 features into "pts" in 500ms (2,000/s): 900 inserted, 100 skipped, 0 replaced; 3 requests, 1 retried, 0 split`
	if got := s.Summary("pts"); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

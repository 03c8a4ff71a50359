package load

import (
	"fmt"
	"strconv"
	"time"
)

// Line is a progress line: features so far and their rate, and, when the
// input's size (total bytes) is known, how far through it the load is and
// an estimate of the time left.
func (s Stats) Line(total int64) string {
	line := fmt.Sprintf("%s features, %s/s", group(s.Loaded()), group(int(s.rate())))
	if total > 0 && s.Bytes > 0 {
		done := min(float64(s.Bytes)/float64(total), 1)
		line += fmt.Sprintf(", %.0f%% of %s", 100*done, bytesText(total))
		if !s.Done && done < 1 {
			left := time.Duration(float64(s.Elapsed) * (1 - done) / done)
			unit := time.Second
			if left < 10*time.Second {
				unit = 100 * time.Millisecond
			}
			line += ", " + left.Round(unit).String() + " left"
		}
	}
	if s.Retries > 0 {
		line += fmt.Sprintf(", %d retried", s.Retries)
	}
	return line
}

// Summary is the line a load ends with.
func (s Stats) Summary(coll string) string {
	return fmt.Sprintf("loaded %s features into %q in %s (%s/s): %s inserted, %s skipped, %s replaced; %d requests, %d retried, %d split",
		group(s.Loaded()), coll, s.Elapsed.Round(time.Millisecond), group(int(s.rate())),
		group(s.Inserted), group(s.Skipped), group(s.Replaced), s.Requests, s.Retries, s.Splits)
}

func (s Stats) rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Loaded()) / s.Elapsed.Seconds()
}

// group writes n with thousands separators: 1,234,567.
func group(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

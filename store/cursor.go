package store

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"
)

// Cursor is where a page ends and the next begins. Listings, intersects and
// within page in id order, so a cursor is the last id returned: inserts and
// deletes between pages neither repeat nor skip what stays. nearby pages in
// (distance, id) order and also counts what it has returned (k is a total).
type Cursor struct {
	Set    bool
	Nearby bool
	ID     string
	Dist   float64 // nearby only
	Rank   int     // nearby only: results already returned
}

// Append appends c in its opaque form (URL-safe base64, no padding).
func (c Cursor) Append(dst []byte) []byte {
	var raw []byte
	if c.Nearby {
		raw = append(raw, 'n')
		raw = strconv.AppendInt(raw, int64(c.Rank), 10)
		raw = append(raw, ':')
		raw = strconv.AppendUint(raw, math.Float64bits(c.Dist), 16)
		raw = append(raw, ':')
	} else {
		raw = append(raw, 'i')
	}
	raw = append(raw, c.ID...)
	return base64.RawURLEncoding.AppendEncode(dst, raw)
}

var errCursor = errors.New("not a cursor this server gave: pass the cursor of a next link unchanged")

// ParseCursor reads a cursor made by Append. nearby says which kind the
// query needs.
func ParseCursor(s []byte, nearby bool) (Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(string(s))
	if err != nil || len(raw) < 2 {
		return Cursor{}, errCursor
	}
	body := string(raw[1:])
	switch {
	case raw[0] == 'i' && !nearby:
		if CheckID(body) != nil {
			return Cursor{}, errCursor
		}
		return Cursor{Set: true, ID: body}, nil
	case raw[0] == 'n' && nearby:
		rank, rest, ok := strings.Cut(body, ":")
		bits, id, ok2 := strings.Cut(rest, ":")
		r, err1 := strconv.Atoi(rank)
		d, err2 := strconv.ParseUint(bits, 16, 64)
		// Rank 0 with no id: a page that found nothing in its budget.
		if !ok || !ok2 || err1 != nil || err2 != nil || r < 0 || (r > 0 || id != "") && CheckID(id) != nil {
			return Cursor{}, errCursor
		}
		return Cursor{Set: true, Nearby: true, ID: id, Dist: math.Float64frombits(d), Rank: r}, nil
	}
	return Cursor{}, errCursor
}

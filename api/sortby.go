package api

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/geometryos/daemon1/codec"
	"github.com/geometryos/daemon1/store"
)

// sortby=-pop,name sorts a listing by queryables, descending where a name
// has a "-" ("+" or nothing: ascending), then by id. A sorted listing
// gathers every feature that passes its bbox and filter — at most
// maxSorted, within the request's budget, or it is a 400 that says to
// narrow it — sorts them, and pages with a cursor that holds the last
// feature's sort values and id: the next page starts strictly after that
// place, so paging stays in order and neither repeats nor skips a feature
// that stays put, whatever is written between pages.
//
// Values order as numbers, then strings, then booleans, then objects and
// arrays, then absent or null; descending reverses it all.

// maxSorted bounds the features a sorted listing sorts.
const maxSorted = 10000

type sortKey struct {
	name string
	desc bool
}

// sortVal is a property's value as a sort reads it.
type sortVal struct {
	rank int // 0 number, 1 string, 2 boolean, 3 object or array, 4 absent or null
	n    float64
	s    string
	raw  string // as JSON, for the cursor
}

func sortValOf(raw string, ok bool) sortVal {
	if !ok || raw == "" || raw == "null" {
		return sortVal{rank: 4, raw: "null"}
	}
	switch c := raw[0]; {
	case c == '"':
		return sortVal{rank: 1, s: string(codec.Unquote(nil, raw)), raw: raw}
	case c == 't':
		return sortVal{rank: 2, n: 1, raw: raw}
	case c == 'f':
		return sortVal{rank: 2, raw: raw}
	case c == '{' || c == '[':
		return sortVal{rank: 3, raw: raw}
	}
	n, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return sortVal{rank: 3, raw: raw}
	}
	return sortVal{rank: 0, n: n, raw: raw}
}

func (a sortVal) compare(b sortVal) int {
	return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.n, b.n), strings.Compare(a.s, b.s))
}

// sortRow is a feature with its sort values.
type sortRow struct {
	f    *store.Feature
	vals []sortVal
	id   string
}

func compareRows(keys []sortKey, a, b *sortRow) int {
	for i, k := range keys {
		c := a.vals[i].compare(b.vals[i])
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return strings.Compare(a.id, b.id)
}

// parseSortby reads sortby against c's queryables.
func parseSortby(raw string, c *store.Collection) ([]sortKey, error) {
	var keys []sortKey
	for _, part := range strings.Split(raw, ",") {
		k := sortKey{name: part}
		switch {
		case strings.HasPrefix(part, "-"):
			k.name, k.desc = part[1:], true
		case strings.HasPrefix(part, "+"):
			k.name = part[1:]
		}
		if _, ok := c.PropertyTypes(k.name); !ok {
			return nil, errorf("sortby: %q is not a property of collection %q (see its queryables); write -name to sort descending", k.name, c.Name())
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// encodeSortCursor is the cursor after row: "s" and base64url of the JSON
// array of its sort values and its id.
func encodeSortCursor(row *sortRow) []byte {
	parts := make([]json.RawMessage, 0, len(row.vals)+1)
	for _, v := range row.vals {
		parts = append(parts, json.RawMessage(v.raw))
	}
	id, _ := json.Marshal(row.id)
	b, _ := json.Marshal(append(parts, id))
	return append([]byte("s"), base64.RawURLEncoding.EncodeToString(b)...)
}

// decodeSortCursor reads a cursor of encodeSortCursor for n keys.
func decodeSortCursor(raw []byte, n int) (*sortRow, error) {
	bad := errorf("cursor: not the cursor of a next link of this sorted listing; start without it")
	if len(raw) < 2 || raw[0] != 's' {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(string(raw[1:]))
	if err != nil {
		return nil, bad
	}
	var parts []json.RawMessage
	if json.Unmarshal(b, &parts) != nil || len(parts) != n+1 {
		return nil, bad
	}
	row := &sortRow{}
	for _, p := range parts[:n] {
		row.vals = append(row.vals, sortValOf(string(p), true))
	}
	if json.Unmarshal(parts[n], &row.id) != nil {
		return nil, bad
	}
	return row, nil
}

// sortedPage fills l's page with the page of a sorted listing after the
// cursor raw (nil: the first), and returns the next page's cursor (nil:
// the last page), or an error for a 400.
func sortedPage(c *store.Collection, l *listing, keys []sortKey, raw []byte) ([]byte, error) {
	var after *sortRow
	if len(raw) > 0 {
		var err error
		if after, err = decodeSortCursor(raw, len(keys)); err != nil {
			return nil, err
		}
	}
	limit := l.q.Limit
	all := l.q
	all.Limit, all.Cursor = maxSorted, store.Cursor{}
	c.Query(&all, &l.p)
	if l.p.Next.Set {
		return nil, errorf("sortby: more than %d features to sort (or more than the request's budget could gather): narrow the listing with bbox or filter", maxSorted)
	}
	rows := make([]sortRow, len(l.p.Features))
	for i, f := range l.p.Features {
		r := &rows[i]
		r.f, r.id, r.vals = f, f.ID(), make([]sortVal, len(keys))
		for j, k := range keys {
			r.vals[j] = sortValOf(codec.Member(f.Properties(), k.name))
		}
	}
	slices.SortFunc(rows, func(a, b sortRow) int { return compareRows(keys, &a, &b) })
	start := 0
	if after != nil {
		start, _ = slices.BinarySearchFunc(rows, after, func(r sortRow, t *sortRow) int {
			if compareRows(keys, &r, t) <= 0 {
				return -1
			}
			return 1
		})
	}
	end := min(start+limit, len(rows))
	matched := len(rows)
	l.p.Reset()
	for _, r := range rows[start:end] {
		l.p.Features = append(l.p.Features, r.f)
	}
	l.p.Matched = matched
	if end < len(rows) {
		return encodeSortCursor(&rows[end-1]), nil
	}
	return nil, nil
}

// The sort parameter of a listing.
var sortParams = []string{"sortby"}

package store

import (
	"bytes"
	"fmt"
	"strconv"

	gojson "github.com/goccy/go-json"
)

// TooManyError refuses a bulk insert of more than Max features.
type TooManyError struct{ Max int }

func (e *TooManyError) Error() string {
	return fmt.Sprintf("a bulk insert holds at most %d features (the server's -max-bulk flag): split it (daemon1 load does)", e.Max)
}

// ParseItems parses the body of a POST to a collection's items: one
// Feature (single is set), or a FeatureCollection of at most max features
// (many is set). A refused feature refuses the whole body. Each geometry
// may hold at most maxVertices positions (0: the default).
func ParseItems(raw []byte, max, maxVertices int) (single *Input, many []*Input, err error) {
	var rf rawFeature
	if err := gojson.Unmarshal(raw, &rf); err != nil {
		return nil, nil, &InputError{Reason: "must be a GeoJSON Feature or FeatureCollection: " + err.Error()}
	}
	if rf.Type != nil && *rf.Type == "FeatureCollection" {
		if rf.Features == nil {
			return nil, nil, &InputError{Path: "features", Reason: "is missing: a FeatureCollection needs an array of features"}
		}
		var feats []gojson.RawMessage
		if err := gojson.Unmarshal(*rf.Features, &feats); err != nil {
			return nil, nil, &InputError{Path: "features", Reason: "must be an array of Feature objects"}
		}
		if len(feats) > max {
			return nil, nil, &TooManyError{Max: max}
		}
		many = make([]*Input, len(feats))
		for i, f := range feats {
			if many[i], err = ParseFeature(f, "features["+strconv.Itoa(i)+"]", maxVertices); err != nil {
				return nil, nil, err
			}
		}
		return nil, many, nil
	}
	if rf.Type == nil || *rf.Type != "Feature" {
		got := "missing"
		if rf.Type != nil {
			got = strconv.Quote(*rf.Type)
		}
		return nil, nil, &InputError{Path: "type", Reason: "must be \"Feature\" or \"FeatureCollection\", got " + got}
	}
	single, err = rf.input("", maxVertices)
	return single, nil, err
}

// ParseSeq parses a sequence of GeoJSON Features: a GeoJSON text sequence
// (RFC 8142: each Feature preceded by the record separator 0x1E) when the
// body starts with 0x1E, otherwise newline-delimited JSON (one Feature a
// line, blank lines ignored; GDAL's GeoJSONSeq by default). At most max
// features, each with at most maxVertices positions. Error paths name the
// record (or line), from 0.
func ParseSeq(raw []byte, max, maxVertices int) ([]*Input, error) {
	rest := bytes.TrimLeft(raw, " \t\r\n")
	sep, what := byte('\n'), "line"
	if len(rest) > 0 && rest[0] == 0x1E {
		sep, what = 0x1E, "record"
	}
	var ins []*Input
	for i := 0; len(rest) > 0; i++ {
		if sep == 0x1E {
			rest = rest[1:] // the separator
		}
		var rec []byte
		if end := bytes.IndexByte(rest, sep); end < 0 {
			rec, rest = rest, nil
		} else {
			rec, rest = rest[:end], rest[end:]
			if sep == '\n' {
				rest = rest[1:]
			}
		}
		rec = bytes.TrimSpace(rec)
		if len(rec) == 0 {
			if sep == 0x1E {
				return nil, &InputError{Path: "record[" + strconv.Itoa(i) + "]", Reason: "is empty"}
			}
			continue // a blank line
		}
		if len(ins) == max {
			return nil, &TooManyError{Max: max}
		}
		in, err := ParseFeature(rec, what+"["+strconv.Itoa(i)+"]", maxVertices)
		if err != nil {
			return nil, err
		}
		ins = append(ins, in)
	}
	if len(ins) == 0 {
		return nil, &InputError{Reason: "the sequence holds no features"}
	}
	return ins, nil
}

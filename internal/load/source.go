package load

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Feature is one feature of the input, its members as they were written.
type Feature struct {
	ID         json.RawMessage // nil when absent or null
	Geometry   json.RawMessage // "null" or nil for a feature without one
	Properties json.RawMessage
	N          int // its position in the input, from 0
}

// Reader reads the features of a GeoJSON FeatureCollection (streamed: the
// collection may be any size), a GeoJSON text sequence (RFC 8142, each
// feature after the record separator 0x1E), or newline-delimited GeoJSON
// (GDAL's GeoJSONSeq, NDJSON). It tells them apart by what it reads: a
// first object with a "features" member is a collection; otherwise every
// JSON value is a Feature, however they are separated.
type Reader struct {
	dec   *json.Decoder
	state int
	n     int
}

// The states of a Reader.
const (
	atStart    = iota
	inFeatures // inside the collection's features array
	afterTop   // the collection's array ended: its other members, then EOF
	inSequence // one Feature after another
	done
)

// NewReader reads features from r.
func NewReader(r io.Reader) *Reader {
	dec := json.NewDecoder(&noRS{r: bufio.NewReaderSize(r, 1<<20)})
	dec.UseNumber()
	return &Reader{dec: dec}
}

// Next returns the next feature, or io.EOF after the last.
func (r *Reader) Next() (*Feature, error) {
	switch r.state {
	case atStart:
		return r.first()
	case inFeatures:
		if r.dec.More() {
			return r.decodeFeature("features[" + itoa(r.n) + "]")
		}
		if _, err := r.dec.Token(); err != nil { // ]
			return nil, r.syntax(err)
		}
		r.state = afterTop
		if err := r.skipMembers(); err != nil {
			return nil, err
		}
		return r.Next()
	case afterTop:
		r.state = done
		if _, err := r.dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("at byte %d: more JSON after the FeatureCollection", r.dec.InputOffset())
		}
		return nil, io.EOF
	case inSequence:
		if !r.dec.More() {
			if _, err := r.dec.Token(); err != io.EOF {
				return nil, r.syntax(err)
			}
			r.state = done
			return nil, io.EOF
		}
		return r.decodeFeature("feature " + itoa(r.n))
	}
	return nil, io.EOF
}

// first reads the first object's members until it knows what the input
// is: a "features" array makes it a collection; an object without one is
// the first Feature of a sequence.
func (r *Reader) first() (*Feature, error) {
	tok, err := r.dec.Token()
	if err == io.EOF {
		r.state = done
		return nil, errors.New("the input holds no JSON")
	}
	if err != nil {
		return nil, r.syntax(err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("the input starts with %v: want a GeoJSON FeatureCollection or Features", tok)
	}
	members := map[string]json.RawMessage{}
	for r.dec.More() {
		key, err := r.key()
		if err != nil {
			return nil, err
		}
		if key == "features" {
			if t, ok := members["type"]; ok && string(t) != `"FeatureCollection"` {
				return nil, fmt.Errorf("an object of type %s has features: want a FeatureCollection", t)
			}
			tok, err := r.dec.Token()
			if err != nil {
				return nil, r.syntax(err)
			}
			if tok != json.Delim('[') {
				return nil, errors.New("the FeatureCollection's features must be an array")
			}
			r.state = inFeatures
			return r.Next()
		}
		var v json.RawMessage
		if err := r.dec.Decode(&v); err != nil {
			return nil, r.syntax(err)
		}
		members[key] = v
	}
	if _, err := r.dec.Token(); err != nil { // }
		return nil, r.syntax(err)
	}
	if t := members["type"]; string(t) == `"FeatureCollection"` {
		return nil, errors.New("the FeatureCollection has no features member")
	}
	r.state = inSequence
	return r.feature("feature 0", members["type"], members["id"], members["geometry"], members["properties"])
}

// skipMembers reads the collection's members after its features array,
// and its closing brace.
func (r *Reader) skipMembers() error {
	for r.dec.More() {
		key, err := r.key()
		if err != nil {
			return err
		}
		var v json.RawMessage
		if err := r.dec.Decode(&v); err != nil {
			return r.syntax(err)
		}
		if key == "type" && string(v) != `"FeatureCollection"` {
			return fmt.Errorf("an object of type %s has features: want a FeatureCollection", v)
		}
	}
	_, err := r.dec.Token() // }
	return r.syntax(err)
}

func (r *Reader) key() (string, error) {
	tok, err := r.dec.Token()
	if err != nil {
		return "", r.syntax(err)
	}
	return tok.(string), nil // an object's next token is its key
}

func (r *Reader) decodeFeature(where string) (*Feature, error) {
	var f struct {
		Type       json.RawMessage `json:"type"`
		ID         json.RawMessage `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties json.RawMessage `json:"properties"`
	}
	if err := r.dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", where, r.syntax(err))
	}
	return r.feature(where, f.Type, f.ID, f.Geometry, f.Properties)
}

func (r *Reader) feature(where string, typ, id, geom, props json.RawMessage) (*Feature, error) {
	if string(typ) != `"Feature"` {
		return nil, fmt.Errorf("%s: its type is %s: want \"Feature\"", where, orMissing(typ))
	}
	if string(id) == "null" {
		id = nil
	}
	f := &Feature{ID: id, Geometry: geom, Properties: props, N: r.n}
	r.n++
	return f, nil
}

// syntax adds where a decoding error happened. An end of the input met
// here is in the middle of something: where the input may end, Next
// checks for io.EOF itself.
func (r *Reader) syntax(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("the input ends in the middle of a JSON value (at byte %d)", r.dec.InputOffset())
	}
	return fmt.Errorf("at byte %d: %w", r.dec.InputOffset(), err)
}

func orMissing(b json.RawMessage) string {
	if b == nil {
		return "missing"
	}
	return string(b)
}

func itoa(i int) string { return fmt.Sprint(i) }

// noRS reads r with every record separator (0x1E) made a space, so that a
// GeoJSON text sequence reads as JSON values one after another.
type noRS struct{ r io.Reader }

func (n *noRS) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	for i := bytes.IndexByte(p[:k], 0x1E); i >= 0; i = bytes.IndexByte(p[:k], 0x1E) {
		p[i] = ' '
	}
	return k, err
}

// Package promtext completes the metadata of a Prometheus text exposition
// written by VictoriaMetrics/metrics, which writes "# HELP name" with no
// text (metrics.ExposeMetadata) and types a few of its process metrics in
// ways that Prometheus' linter refuses. Annotate fills the texts from a
// table, and renames or retypes the families the table says to.
package promtext

import "bytes"

// Family is what the exposition says of one metric family.
type Family struct {
	Help string
	// Type, if set, replaces the family's type (e.g. a cumulative process
	// figure that VictoriaMetrics exposes as a gauge named _total).
	Type string
	// Name, if set, replaces the family's name in its metadata and samples
	// (e.g. go_cgo_calls_count, a counter, becomes go_cgo_calls_total).
	Name string
}

// Annotate appends src to dst with every "# HELP family" line given the
// family's text from families, and the renames and retypes applied. The
// metadata of a family repeated right after itself is written once
// (metrics.WriteCounterUint64 writes it for every labelled series). It
// returns the families that have metadata in src but no entry in families
// (their HELP lines are kept as they are).
func Annotate(dst, src []byte, families map[string]Family) ([]byte, []string) {
	var missing []string
	var lastHelp, lastType []byte // metadata of a family already written
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		switch {
		case bytes.HasPrefix(line, []byte("# HELP ")):
			name, _ := field(line[len("# HELP "):])
			if bytes.Equal(name, lastHelp) {
				continue
			}
			lastHelp = name
			f, ok := families[string(name)]
			if !ok {
				missing = append(missing, string(name))
				dst = append(dst, line...)
				break
			}
			dst = append(dst, "# HELP "...)
			dst = append(dst, rename(name, f)...)
			dst = append(dst, ' ')
			dst = append(dst, f.Help...)
		case bytes.HasPrefix(line, []byte("# TYPE ")):
			name, typ := field(line[len("# TYPE "):])
			if bytes.Equal(name, lastType) {
				continue
			}
			lastType = name
			f := families[string(name)]
			if f.Type != "" {
				typ = []byte(f.Type)
			}
			dst = append(dst, "# TYPE "...)
			dst = append(dst, rename(name, f)...)
			dst = append(dst, ' ')
			dst = append(dst, typ...)
		default:
			name, rest := sampleName(line)
			if f, ok := families[string(name)]; ok && f.Name != "" {
				dst = append(dst, f.Name...)
				dst = append(dst, rest...)
			} else {
				dst = append(dst, line...)
			}
		}
		dst = append(dst, '\n')
	}
	return dst, missing
}

// field splits "name rest" at its first space.
func field(b []byte) (name, rest []byte) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// sampleName splits a sample line after its metric name.
func sampleName(line []byte) (name, rest []byte) {
	i := bytes.IndexAny(line, "{ ")
	if i < 0 || bytes.HasPrefix(line, []byte("#")) {
		return nil, line
	}
	return line[:i], line[i:]
}

func rename(name []byte, f Family) []byte {
	if f.Name != "" {
		return []byte(f.Name)
	}
	return name
}

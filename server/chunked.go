package server

import "bytes"

// chunkScanner walks a chunked body (RFC 9112 §7.1) without copying it, only
// to find where it ends and to reject bad framing; fasthttp decodes it later.
// It resumes from pos, so each byte is looked at once.
type chunkScanner struct {
	pos    int // absolute offset in the connection's buffer
	state  uint8
	size   int64 // chunk size being read, then bytes of data left
	digits int
	total  int64 // body bytes so far, against MaxBodyBytes
	trail  int   // trailer bytes so far
	fields int
}

const (
	chunkSize uint8 = iota
	chunkExt
	chunkSizeLF
	chunkData
	chunkDataCR
	chunkDataLF
	chunkTrailer
)

// scan resumes at max(pos, bodyStart) and returns the offset just past the
// body when it is complete, 0 when more is needed, or a rejecting status.
func (s *chunkScanner) scan(b []byte, bodyStart int, lim *Limits) (int, frameStatus) {
	if s.pos < bodyStart {
		s.pos = bodyStart
	}
	for s.pos < len(b) {
		if s.state == chunkData {
			n := int64(len(b) - s.pos)
			if n > s.size {
				n = s.size
			}
			s.pos += int(n)
			if s.size -= n; s.size == 0 {
				s.state = chunkDataCR
			}
			continue
		}
		if s.state == chunkTrailer {
			return s.trailer(b, lim)
		}
		c := b[s.pos]
		s.pos++
		if st := s.step(c, lim); st != 0 {
			return 0, st
		}
	}
	return 0, 0
}

// step advances the size-line and data-delimiter states by one byte.
func (s *chunkScanner) step(c byte, lim *Limits) frameStatus {
	switch s.state {
	case chunkSize:
		switch v := hexVal(c); {
		case v >= 0:
			if s.digits++; s.digits > 15 {
				return 400
			}
			s.size = s.size<<4 | int64(v)
		case s.digits == 0:
			return 400
		case c == ';':
			s.state = chunkExt
		case c == '\r':
			s.state = chunkSizeLF
		default:
			return 400
		}
	case chunkExt:
		// Extensions are ignored; they may hold visible characters, SP and HTAB.
		if c == '\r' {
			s.state = chunkSizeLF
		} else if c < ' ' && c != '\t' || c == 0x7f {
			return 400
		}
	case chunkSizeLF:
		if c != '\n' {
			return 400
		}
		if s.size == 0 {
			s.state = chunkTrailer
			return 0
		}
		if s.total += s.size; s.total > lim.MaxBodyBytes {
			return 413
		}
		s.state, s.digits = chunkData, 0
	case chunkDataCR:
		if c != '\r' {
			return 400
		}
		s.state = chunkDataLF
	case chunkDataLF:
		if c != '\n' {
			return 400
		}
		s.state = chunkSize
	}
	return 0
}

// trailer scans trailer field lines up to the empty line that ends the body.
func (s *chunkScanner) trailer(b []byte, lim *Limits) (int, frameStatus) {
	for {
		i := bytes.IndexByte(b[s.pos:], '\n')
		if i < 0 {
			if s.trail+len(b)-s.pos > lim.MaxHeaderBytes {
				return 0, 431
			}
			return 0, 0
		}
		line := b[s.pos : s.pos+i]
		s.pos += i + 1
		if s.trail += len(line) + 1; s.trail > lim.MaxHeaderBytes {
			return 0, 431
		}
		if len(line) == 0 || line[len(line)-1] != '\r' {
			return 0, 400
		}
		line = line[:len(line)-1]
		if len(line) == 0 {
			return s.pos, 0
		}
		if s.fields++; s.fields > lim.MaxHeaderFields {
			return 0, 431
		}
		if _, _, st := splitField(line); st != 0 {
			return 0, st
		}
	}
}

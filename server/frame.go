package server

import "bytes"

// framer finds where one HTTP/1.1 request ends in a byte stream and rejects
// framing that RFC 9112 says to reject, before anything parses the request.
// It resumes where the last call stopped ("need more data"), so a request that
// arrives a byte at a time is scanned once, not once per byte.
//
// The framer is the only authority on request boundaries: fasthttp then parses
// exactly the bytes the framer delimited, so no two parsers can disagree on
// where a request ends (the root of request smuggling).
type framer struct {
	lim *Limits

	start     int // where the request line starts (after ignored empty lines)
	line      int // where the current, unfinished line starts
	pos       int // how far it has been scanned for its LF
	reqLine   bool
	headerLen int // > 0 once the header block is complete: its end offset
	fields    int

	http10         bool
	http1x         bool // HTTP/1.x with x past 1: served as HTTP/1.1 (RFC 9110 §2.5)
	connClose      bool // a Connection field holds "close"
	hasHost        bool
	hasLength      bool
	chunked        bool
	expectContinue bool
	contentLength  int64

	chunk chunkScanner
}

// frameStatus is a framer verdict: 0 while a request is incomplete or once it
// is complete, else the HTTP status to reject it with (the connection is then
// closed, and nothing after the bad bytes is parsed).
type frameStatus = int

func (f *framer) reset() {
	lim := f.lim
	*f = framer{lim: lim}
}

// next scans b, which starts at the first unconsumed byte of the connection.
// It returns n > 0 when b[:n] holds one whole request (its request line starts
// at f.start), n == 0 with status 0 when more bytes are needed, or a rejecting
// status.
func (f *framer) next(b []byte) (n int, status frameStatus) {
	if f.headerLen == 0 {
		if status = f.scanHeader(b); status != 0 || f.headerLen == 0 {
			return 0, status
		}
	}
	switch {
	case f.chunked:
		return f.chunk.scan(b, f.headerLen, f.lim)
	case f.hasLength:
		end := int64(f.headerLen) + f.contentLength
		if int64(len(b)) < end {
			return 0, 0
		}
		return int(end), 0
	default:
		return f.headerLen, 0
	}
}

// bodyPending reports whether the header block is complete but the body is not.
func (f *framer) bodyPending() bool { return f.headerLen > 0 }

// scanHeader validates complete lines of the request line and header block.
func (f *framer) scanHeader(b []byte) frameStatus {
	for {
		i := bytes.IndexByte(b[f.pos:], '\n')
		if i < 0 {
			return f.checkPartial(len(b))
		}
		f.pos += i + 1
		if f.pos-f.start > f.lim.MaxHeaderBytes {
			if !f.reqLine {
				return 414 // a request line this long is all target
			}
			return 431
		}
		line := b[f.line : f.pos-1]
		f.line = f.pos
		if len(line) == 0 || line[len(line)-1] != '\r' {
			return 400 // a bare LF ends no line here
		}
		line = line[:len(line)-1]
		switch {
		case !f.reqLine && len(line) == 0:
			// RFC 9112 §2.2: ignore empty lines before a request line.
			f.start = f.pos
		case !f.reqLine:
			if st := f.requestLine(line); st != 0 {
				return st
			}
			f.reqLine = true
		case len(line) == 0:
			f.headerLen = f.pos
			return f.endOfHeader()
		default:
			if st := f.field(line); st != 0 {
				return st
			}
		}
	}
}

// checkPartial applies the size limits to a line that has not ended yet.
func (f *framer) checkPartial(n int) frameStatus {
	pending := n - f.start
	if !f.reqLine && pending > f.lim.MaxTargetBytes+len("CONNECT  HTTP/1.1\r") {
		return 414
	}
	if pending > f.lim.MaxHeaderBytes {
		return 431
	}
	f.pos = n
	return 0
}

func (f *framer) endOfHeader() frameStatus {
	if !f.http10 && !f.hasHost {
		return 400
	}
	if f.chunked && f.hasLength {
		return 400
	}
	if f.hasLength && f.contentLength > f.lim.MaxBodyBytes {
		return 413
	}
	return 0
}

// requestLine checks method SP request-target SP HTTP-version.
func (f *framer) requestLine(line []byte) frameStatus {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !isToken(line[:sp]) {
		return 400
	}
	method, rest := line[:sp], line[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return 400
	}
	target, version := rest[:sp], rest[sp+1:]
	if len(target) > f.lim.MaxTargetBytes {
		return 414
	}
	if !validTarget(method, target) {
		return 400
	}
	if len(version) != 8 || string(version[:5]) != "HTTP/" || !isDigit(version[5]) ||
		version[6] != '.' || !isDigit(version[7]) {
		return 400
	}
	switch {
	case string(version[5:]) == "1.1":
	case string(version[5:]) == "1.0":
		f.http10 = true
	case version[5] == '1':
		// A later minor version of HTTP/1 is answered as HTTP/1.1, the
		// highest this server speaks; 505 is for other major versions.
		f.http1x = true
	default:
		return 505
	}
	return 0
}

// field checks one header field line and records the fields that frame the
// message.
func (f *framer) field(line []byte) frameStatus {
	f.fields++
	if f.fields > f.lim.MaxHeaderFields {
		return 431
	}
	name, value, st := splitField(line)
	if st != 0 {
		return st
	}
	// Switch on the length first: most fields are none of these four.
	switch len(name) {
	case len("host"):
		if !equalFold(name, "host") {
			break
		}
		if f.hasHost || !validHost(value) {
			return 400
		}
		f.hasHost = true
	case len("expect"):
		if !equalFold(name, "expect") {
			break
		}
		if !equalFold(value, "100-continue") {
			return 417
		}
		f.expectContinue = !f.http10
	case len("content-length"):
		if !equalFold(name, "content-length") {
			break
		}
		if f.hasLength {
			return 400 // repeated, even if equal: fasthttp rejects it too
		}
		n, ok := parseContentLength(value)
		if !ok {
			return 400
		}
		f.hasLength, f.contentLength = true, n
	case len("connection"):
		if equalFold(name, "connection") && hasToken(value, "close") {
			f.connClose = true
		}
	case len("transfer-encoding"):
		if !equalFold(name, "transfer-encoding") {
			break
		}
		if f.chunked || f.http10 {
			return 400 // RFC 9112 §6.1: faulty framing in HTTP/1.0
		}
		if st := checkTransferEncoding(value); st != 0 {
			return st
		}
		f.chunked = true
	}
	return 0
}

// hasToken reports whether the comma-separated list value holds token,
// compared case-insensitively.
func hasToken(value []byte, token string) bool {
	for len(value) > 0 {
		var item []byte
		item, value, _ = bytes.Cut(value, []byte(","))
		if equalFold(trimOWS(item), token) {
			return true
		}
	}
	return false
}

// splitField splits "name: value" and validates both halves: a token name with
// no whitespace before the colon (RFC 9112 §5.1) and a value free of CTLs.
func splitField(line []byte) (name, value []byte, status frameStatus) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 || !isToken(line[:colon]) {
		return nil, nil, 400 // also rejects obs-fold, which starts with SP or HTAB
	}
	value = trimOWS(line[colon+1:])
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return nil, nil, 400
		}
	}
	return line[:colon], value, 0
}

// checkTransferEncoding accepts exactly a final "chunked": a request whose last
// coding is not chunked has no determinable length (400); codings before it
// are ones we do not implement (501).
func checkTransferEncoding(v []byte) frameStatus {
	codings := 0
	last := []byte(nil)
	for len(v) > 0 {
		var item []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = trimOWS(v[:i]), v[i+1:]
		} else {
			item, v = trimOWS(v), nil
		}
		if len(item) == 0 {
			continue
		}
		if last != nil && equalFold(last, "chunked") {
			return 400 // chunked applied twice, or not last
		}
		codings++
		last = item
	}
	if last == nil || !equalFold(last, "chunked") {
		return 400
	}
	if codings > 1 {
		return 501
	}
	return 0
}

func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

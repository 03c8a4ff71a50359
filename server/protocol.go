package server

// A connection speaks one protocol, chosen once from its first byte:
// HTTP/1.1 (http1.go) or daemon1's binary frames (binary.go, first byte
// BinaryMagic, which can never begin an HTTP request line). The protocol
// frames requests and writes answers; everything between — routing, the
// worker pool, the in-order queue, budget stand-ins, backpressure,
// timeouts, drain, metrics and the error log — is the engine's, whatever
// the protocol.

// protocol frames the requests of one connection and writes its answers.
// Its methods run on the connection's loop, but for encode, which a worker
// may call too.
type protocol interface {
	// next frames the request at the start of buf, resumably: raw is the
	// request and n the bytes it takes; n == 0 means more bytes are
	// needed. A status other than 0 refuses what follows (the stream can no
	// longer be trusted): it is answered with status and the connection
	// closes; raw is then what was received of it, for the error log.
	next(c *conn, buf []byte, now int64) (raw []byte, n, status int)
	// waiting notes that the request at the head is still incomplete
	// after a pass (timeouts, HTTP's 100 Continue).
	waiting(c *conn, now int64)
	// serve routes one framed request and answers it, inline or through
	// a worker, with c.finish, c.push or c.finishWithStatus.
	serve(c *conn, raw []byte, now int64)
	// encode appends x's answer, as this protocol writes it, to dst.
	encode(e *Engine, dst []byte, x *exchange) []byte
	// keepRejected keeps in m what the error log should say of a request
	// refused before routing, of which raw was received.
	keepRejected(c *conn, m *meta, raw []byte)
}

// sniff picks the protocol of a connection whose first byte is b.
func sniff(b byte) protocol {
	if b == BinaryMagic {
		return binaryProtocol{}
	}
	return http1{}
}

// encode writes x's answer into x.out, in its connection's protocol.
func (x *exchange) encode() { x.out = x.c.proto.encode(x.c.e, x.out[:0], x) }

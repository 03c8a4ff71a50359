package api

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// POST /collections/{c}/items is the one write that is not idempotent: a
// client that retries it after a lost answer would insert twice. With an
// Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header) the
// write is made at most once: the store remembers its answer, durably and
// in the same batch as the write (store/once.go), and a retry with the same
// key and request gets that answer again, marked Idempotent-Replayed. The
// same key with another request is a 422; keys are kept for a day (at most
// 100,000 of them, the oldest forgotten first).

// maxKeyBytes bounds an Idempotency-Key.
const maxKeyBytes = 255

// onceOf reads the request's Idempotency-Key: nil without one; ok is false
// when the header is malformed (answered 400). With a key, the committer
// makes the answer as the write is staged, and keeps it to answer retries.
// A bulk insert's mode is part of the request: the same body under another
// if-exists is another request.
func onceOf(ctx *fasthttp.RequestCtx, c *store.Collection, bulk int, mode store.IfExists) (o *store.Once, ok bool) {
	key := ctx.Request.Header.Peek("Idempotency-Key")
	if key == nil {
		return nil, true
	}
	if len(key) == 0 || len(key) > maxKeyBytes {
		badParam(ctx, "Idempotency-Key must be 1 to %d bytes long, got %d", maxKeyBytes, len(key))
		return nil, false
	}
	for _, b := range key {
		if b < 0x21 || b > 0x7e {
			badParam(ctx, "Idempotency-Key may hold only visible ASCII characters")
			return nil, false
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", c.Name(), ctx.Request.Header.ContentType())
	if mode != store.IfExistsFail { // (so that a key kept before the modes still matches its retry)
		fmt.Fprintf(h, "if-exists %d\n", mode)
	}
	h.Write(ctx.Request.Body())
	o = &store.Once{Key: string(key)}
	h.Sum(o.Sum[:0])
	o.Answer = func(f *store.Feature, res store.BulkResult) []byte {
		if bulk == 0 {
			answerFeature(ctx, c, f, true)
		} else {
			answerBulk(ctx, res, mode)
		}
		return appendAnswer(nil, &ctx.Response)
	}
	return o, true
}

// appendAnswer keeps what a retry is answered: status, Location, ETag,
// Content-Type and body.
func appendAnswer(b []byte, r *fasthttp.Response) []byte {
	b = binary.AppendUvarint(b, uint64(r.StatusCode()))
	for _, v := range [][]byte{r.Header.Peek("Location"), r.Header.Peek("ETag"), r.Header.ContentType(), r.Body()} {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

// answerAgain answers a retried write with the first one's answer.
func answerAgain(ctx *fasthttp.RequestCtx, r *store.Remembered) {
	b := r.Answer
	next := func() []byte {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			b = nil
			return nil
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v
	}
	status, k := binary.Uvarint(b)
	if k <= 0 {
		server.Fail(ctx, fmt.Errorf("BUG: a remembered answer of %d bytes does not decode", len(r.Answer)))
		return
	}
	b = b[k:]
	location, etag, ctype, body := next(), next(), next(), next()
	resp := &ctx.Response
	resp.SetStatusCode(int(status))
	if len(location) > 0 {
		resp.Header.SetBytesV("Location", location)
	}
	if len(etag) > 0 {
		resp.Header.SetBytesV("ETag", etag)
	}
	resp.Header.SetContentTypeBytes(ctype)
	resp.Header.Set("Idempotent-Replayed", "true")
	resp.SetBody(body)
}

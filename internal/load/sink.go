package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/geometryos/daemon1/client"
	"github.com/geometryos/daemon1/codec"
)

// result counts what one chunk did.
type result = client.Inserted

// sink sends chunks to a daemon1.
type sink interface {
	// create makes the collection if it does not exist.
	create(ctx context.Context, coll string) error
	// send inserts the chunk's features, all or none.
	send(ctx context.Context, coll string, c *chunk) (result, error)
	close() error
}

// sendError is a refused chunk: Retry says whether sending it again may
// succeed and is safe; TooLarge whether a smaller chunk may pass;
// Conflict that a feature's id was taken (under if-exists fail).
type sendError struct {
	Err      error
	Retry    bool
	TooLarge bool
	Conflict bool
}

func (e *sendError) Error() string { return e.Err.Error() }
func (e *sendError) Unwrap() error { return e.Err }

// httpSink posts chunks as newline-delimited GeoJSON to POST
// /collections/{c}/items?if-exists=…, each with an Idempotency-Key, so that
// a chunk whose answer was lost may be sent again under any mode.
type httpSink struct {
	base  string // http://host:port
	token string
	mode  string
	run   string // this load's part of the Idempotency-Keys
	hc    *http.Client
}

func newHTTPSink(addr, token, mode string, timeout time.Duration) *httpSink {
	base := addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	return &httpSink{base: strings.TrimRight(base, "/"), token: token, mode: mode,
		run: strconv.FormatInt(time.Now().UnixNano(), 36), hc: &http.Client{Transport: tr, Timeout: timeout}}
}

func (s *httpSink) do(ctx context.Context, method, path string, body []byte, hdr ...string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (s *httpSink) create(ctx context.Context, coll string) error {
	status, body, err := s.do(ctx, "PUT", "/collections/"+url.PathEscape(coll), nil)
	if err != nil {
		return fmt.Errorf("cannot create collection %q: %w", coll, err)
	}
	if status != 200 && status != 201 {
		return fmt.Errorf("cannot create collection %q: %d %s", coll, status, problemDetail(body))
	}
	return nil
}

func (s *httpSink) send(ctx context.Context, coll string, c *chunk) (result, error) {
	var body []byte
	for _, it := range c.items {
		body = append(append(body, it.line...), '\n')
	}
	key := fmt.Sprintf("load-%s-%d-%d", s.run, c.items[0].n, len(c.items))
	status, b, err := s.do(ctx, "POST", "/collections/"+url.PathEscape(coll)+"/items?if-exists="+s.mode, body,
		"Content-Type", "application/x-ndjson", "Idempotency-Key", key)
	if err != nil {
		// The answer was lost: the key makes sending it again safe.
		return result{}, &sendError{Err: err, Retry: true}
	}
	if status == 200 || status == 201 {
		var r struct{ Inserted, Skipped, Replaced int }
		if err := json.Unmarshal(b, &r); err != nil {
			return result{}, fmt.Errorf("the answer to a chunk does not read: %w", err)
		}
		return result{Inserted: r.Inserted, Skipped: r.Skipped, Replaced: r.Replaced}, nil
	}
	err = fmt.Errorf("%d %s", status, problemDetail(b))
	// An error answer to a write means nothing changed: 429 and 5xx but
	// 500 may pass later.
	return result{}, &sendError{Err: err, Retry: status == 429 || status >= 502, TooLarge: status == 413, Conflict: status == 409}
}

func (s *httpSink) close() error { s.hc.CloseIdleConnections(); return nil }

// problemDetail is the detail of an RFC 9457 problem body, or the body.
func problemDetail(b []byte) string {
	var p struct{ Detail string }
	if json.Unmarshal(b, &p) == nil && p.Detail != "" {
		return p.Detail
	}
	return strings.TrimSpace(string(b))
}

// binarySink sends chunks as insert-if frames over one pipelined
// connection (client.Client), which the workers share.
type binarySink struct {
	c    *client.Client
	mode client.IfExists
}

func newBinarySink(ctx context.Context, addr, token string, mode client.IfExists, timeout time.Duration) (*binarySink, error) {
	addr = strings.TrimPrefix(strings.TrimPrefix(addr, "http://"), "tcp://")
	c, err := client.Dial(ctx, strings.TrimRight(addr, "/"), client.Options{Token: token, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	return &binarySink{c: c, mode: mode}, nil
}

func (s *binarySink) create(ctx context.Context, coll string) error {
	if _, err := s.c.CreateCollection(ctx, coll, "", ""); err != nil {
		return fmt.Errorf("cannot create collection %q: %w", coll, err)
	}
	return nil
}

func (s *binarySink) send(ctx context.Context, coll string, c *chunk) (result, error) {
	fs := make([]client.Feature, len(c.items))
	for i, it := range c.items {
		fs[i] = it.feat
	}
	r, err := s.c.InsertIf(ctx, coll, s.mode, fs)
	if err == nil {
		return r, nil
	}
	var e *client.Error
	if errors.As(err, &e) {
		return result{}, &sendError{Err: err, Retry: e.Retryable(), TooLarge: e.Status == codec.StatusTooLarge, Conflict: client.IsConflict(err)}
	}
	// The connection broke: under skip or replace the chunk may be sent
	// again; under fail a chunk that was written would then be a conflict.
	return result{}, &sendError{Err: err, Retry: s.mode != client.IfExistsFail}
}

func (s *binarySink) close() error { return s.c.Close() }

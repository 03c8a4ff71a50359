package server

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Mode says where a route's handler runs.
type Mode uint8

const (
	// Inline handlers only touch memory: they run on the event loop.
	Inline Mode = iota
	// Worker handlers may block (disk, fsync, long scans): they run on the
	// bounded worker pool and their responses rejoin the connection in order.
	Worker
)

// maxParams bounds the parameters of one pattern.
const maxParams = 8

// Route is a registered handler.
type Route struct {
	Method  string
	Pattern string // e.g. "/collections/{c}/items/{id}"
	Mode    Mode
	Handler fasthttp.RequestHandler
	// Budget, when set before serving, replaces the engine's budget for this
	// route: for operators' endpoints such as /metrics, which a scraper would
	// rather get late than as a 503.
	Budget time.Duration
	// Writes marks a route that changes state (set before serving). Once
	// its handler has started, its answer is sent whatever the time: an
	// error answer to a write must mean that nothing changed, so the engine
	// never answers 503 in its place. It may still be refused, with nothing
	// done, while it waits for a worker.
	Writes bool
	// Params are the query parameters the route takes (set before
	// serving); any other, or one of them given twice, is answered 400
	// before the handler runs (params.go). nil: none.
	Params []string
	// MoreParams, when set, names the parameters a request may take beyond
	// Params, which depend on the request (a collection's queryables).
	// What it allows may be given once, as Params.
	MoreParams func(ctx *fasthttp.RequestCtx, name []byte) bool
	// Ordered marks a read that can keep its place among the writes held
	// ahead of it on its connection without waiting for them (set before
	// serving): started behind held writes (BehindHeldWrites), its handler
	// either reads nothing those writes may change, or holds itself (Hold)
	// and is answered by what orders the writes (the store's committer),
	// as of its place among them. So a pipeline of writes and reads still
	// shares fsyncs. The engine then counts it as a held write for the
	// order of what follows it. One that needs a worker (Offload) waits
	// for the writes ahead, as any read.
	Ordered bool
	// Offload, set on an Inline route, says of a request whether it may
	// cost milliseconds (a search polygon of many vertices, a page of
	// thousands of features), which an event loop must never spend: then
	// it runs on a worker. It must be cheap; nil: always inline.
	Offload func(ctx *fasthttp.RequestCtx) bool

	metrics *routeMetrics // nil without an Observer
}

// Router maps a method and a path to a Route. Patterns are '/'-separated
// segments, each either literal or a {parameter} matching one non-empty
// segment; a literal segment wins over a parameter. Lookups allocate nothing.
// Register every route before serving: the Router is not safe for concurrent
// registration and lookup.
type Router struct {
	root     node
	obs      *Observer
	allowAll string // every method some route serves: the answer to OPTIONS *
	methods  map[string]*Route
	frames   [256]*Route // the binary protocol's ops
}

// NewRouter makes a Router whose routes are counted and logged by obs
// (nil: neither). The engines serving it use the same Observer.
func NewRouter(obs *Observer) *Router { return &Router{obs: obs} }

// Observer returns the Router's Observer, or nil.
func (r *Router) Observer() *Observer { return r.obs }

type node struct {
	static map[string]*node
	param  *node
	name   string // parameter name, on param nodes
	routes map[string]*Route
	allow  string // the Allow header value for this node
}

// Handle registers h for method and pattern and returns the Route, which
// may be adjusted before serving. It panics on a malformed or duplicate
// registration: that is a programmer's mistake.
func (r *Router) Handle(method, pattern string, mode Mode, h fasthttp.RequestHandler) *Route {
	if !isStandardMethod([]byte(method)) || method == "HEAD" || method == "OPTIONS" {
		panic(fmt.Sprintf("BUG: cannot register method %q (HEAD and OPTIONS are derived)", method))
	}
	if !strings.HasPrefix(pattern, "/") {
		panic(fmt.Sprintf("BUG: pattern %q must start with /", pattern))
	}
	n, params := &r.root, 0
	for _, seg := range splitPath(pattern) {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			if params++; params > maxParams || name == "" {
				panic(fmt.Sprintf("BUG: pattern %q: bad or too many parameters", pattern))
			}
			if n.param == nil {
				n.param = &node{name: name}
			} else if n.param.name != name {
				panic(fmt.Sprintf("BUG: pattern %q: parameter {%s} conflicts with {%s}", pattern, name, n.param.name))
			}
			n = n.param
			continue
		}
		if n.static == nil {
			n.static = map[string]*node{}
		}
		child := n.static[seg]
		if child == nil {
			child = &node{}
			n.static[seg] = child
		}
		n = child
	}
	if n.routes == nil {
		n.routes = map[string]*Route{}
	}
	if n.routes[method] != nil {
		panic(fmt.Sprintf("BUG: %s %s registered twice", method, pattern))
	}
	rt := &Route{Method: method, Pattern: pattern, Mode: mode, Handler: h}
	if r.obs != nil {
		rt.metrics = r.obs.newRouteMetrics(method, pattern)
	}
	n.routes[method] = rt
	n.allow = allowHeader(n.routes)
	if r.methods == nil {
		r.methods = map[string]*Route{}
	}
	r.methods[method] = rt
	r.allowAll = allowHeader(r.methods)
	return rt
}

// HandleFrame registers h for the binary protocol's op, named name (for
// metrics, logs and problem instances: "binary:"+name), and returns the
// Route. The frame's payload is h's request body; h answers as any handler
// does, and its status becomes the frame's (codec.FrameStatus). It panics
// on a duplicate registration.
func (r *Router) HandleFrame(op byte, name string, mode Mode, h fasthttp.RequestHandler) *Route {
	if r.frames[op] != nil {
		panic(fmt.Sprintf("BUG: op 0x%02x registered twice", op))
	}
	rt := &Route{Method: "BINARY", Pattern: "binary:" + name, Mode: mode, Handler: h}
	if r.obs != nil {
		rt.metrics = r.obs.newRouteMetrics(rt.Method, rt.Pattern)
	}
	r.frames[op] = rt
	return rt
}

func allowHeader(routes map[string]*Route) string {
	methods := []string{"OPTIONS"}
	for m := range routes {
		methods = append(methods, m)
		if m == "GET" {
			methods = append(methods, "HEAD")
		}
	}
	sort.Strings(methods)
	return strings.Join(methods, ", ")
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Params holds the parameters a lookup captured, percent-decoded (so an id
// may contain an escaped "/"), valid until the request ends.
type Params struct {
	n     int
	names [maxParams]string
	ends  [maxParams]int // value i is buf[ends[i-1]:ends[i]]
	buf   []byte
}

// Get returns the decoded value of parameter name, or nil.
func (p *Params) Get(name string) []byte {
	for i := 0; i < p.n; i++ {
		if p.names[i] == name {
			start := 0
			if i > 0 {
				start = p.ends[i-1]
			}
			return p.buf[start:p.ends[i]]
		}
	}
	return nil
}

func (p *Params) add(name string, raw []byte) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
			c = byte(hexVal(raw[i+1])<<4 | hexVal(raw[i+2]))
			i += 2
		}
		p.buf = append(p.buf, c)
	}
	p.names[p.n], p.ends[p.n] = name, len(p.buf)
	p.n++
}

func (p *Params) reset() { p.n, p.buf = 0, p.buf[:0] }

// match is the outcome of a lookup.
type match struct {
	route  *Route
	allow  string // set when the path exists
	status int    // 0, 404, 405 or 501
}

// lookup finds the route for method and the raw (still percent-encoded)
// path, filling ps. Literal segments are compared raw.
func (r *Router) lookup(method, path []byte, ps *Params) match {
	if !isStandardMethod(method) {
		return match{status: fasthttp.StatusNotImplemented}
	}
	n := &r.root
	ps.reset()
	for rest := path; len(rest) > 0; {
		if rest[0] == '/' {
			rest = rest[1:]
			continue
		}
		end := len(rest)
		for i, c := range rest {
			if c == '/' {
				end = i
				break
			}
		}
		seg := rest[:end]
		rest = rest[end:]
		if next := n.static[string(seg)]; next != nil {
			n = next
		} else if n.param != nil {
			n = n.param
			ps.add(n.name, seg)
		} else {
			return match{status: fasthttp.StatusNotFound}
		}
	}
	if n.routes == nil {
		return match{status: fasthttp.StatusNotFound}
	}
	rt := n.routes[string(method)]
	if rt == nil && string(method) == "HEAD" {
		rt = n.routes["GET"]
	}
	if rt == nil {
		if string(method) == "OPTIONS" {
			return match{allow: n.allow, status: fasthttp.StatusNoContent}
		}
		return match{allow: n.allow, status: fasthttp.StatusMethodNotAllowed}
	}
	return match{route: rt, allow: n.allow}
}

func isStandardMethod(m []byte) bool { return methodString(m) != "other" }

// resolve finds the route for ctx and records it with its parameters in m.
// When no route serves the request it writes the engine's answer (404, 405
// with Allow, 501, or 204 with Allow to OPTIONS, and to OPTIONS * every
// method served) and returns nil.
func (r *Router) resolve(ctx *fasthttp.RequestCtx, m *meta) *Route {
	if name, bad := badEscape(ctx.Request.Header.RequestURI()); bad {
		WriteProblem(ctx, fasthttp.StatusBadRequest, ProblemBadParameter,
			fmt.Sprintf("query parameter %q holds a %% that is not followed by two hex digits: percent-encode %% itself as %%25", name))
		return nil
	}
	path := rawPath(ctx)
	if string(path) == "*" && string(ctx.Method()) == fasthttp.MethodOptions { // (fasthttp refuses "*" for the rest)
		ctx.Response.Header.Set("Allow", r.allowAll)
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return nil
	}
	res := r.lookup(ctx.Method(), path, &m.params)
	m.route = res.route
	if res.route != nil {
		if !checkParams(ctx, res.route) {
			return nil
		}
		return res.route
	}
	if res.allow != "" {
		ctx.Response.Header.Set("Allow", res.allow)
	}
	if res.status == fasthttp.StatusNoContent {
		ctx.SetStatusCode(res.status)
	} else {
		writeEngineProblem(ctx, res.status)
	}
	return nil
}

// rawPath is the still-encoded path of the request target: what precedes "?"
// in origin-form, the part after the authority in absolute-form. Reading it
// from the request line spares parsing the whole URI for every request.
func rawPath(ctx *fasthttp.RequestCtx) []byte {
	t := ctx.Request.Header.RequestURI()
	if len(t) > 0 && t[0] != '/' {
		if i := bytes.Index(t, []byte("://")); i > 0 {
			t = t[i+3:]
			if j := bytes.IndexByte(t, '/'); j >= 0 {
				t = t[j:]
			} else {
				t = t[len(t):]
			}
		}
	}
	if i := bytes.IndexByte(t, '?'); i >= 0 {
		t = t[:i]
	}
	return t
}

// Routes returns every registered route, by pattern then method: for
// checking them against the API's documentation.
func (r *Router) Routes() []*Route {
	var out []*Route
	var walk func(n *node)
	walk = func(n *node) {
		for _, rt := range n.routes {
			out = append(out, rt)
		}
		for _, child := range n.static {
			walk(child)
		}
		if n.param != nil {
			walk(n.param)
		}
	}
	walk(&r.root)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pattern != out[j].Pattern {
			return out[i].Pattern < out[j].Pattern
		}
		return out[i].Method < out[j].Method
	})
	return out
}

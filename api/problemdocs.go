package api

import (
	"bytes"
	"encoding/json"
	"html"
	"sort"
	"strconv"

	"github.com/geometryos/daemon1/server"
	"github.com/valyala/fasthttp"
)

// A problem's type URI (/problems/no-such-feature) resolves to a short
// description of that problem: JSON, or HTML for a browser. The
// descriptions are the OpenAPI document's x-problem-types, so the two can
// never disagree.

// problemDoc is one problem type as GET /problems/{name} answers it.
type problemDoc struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	Status      int    `json:"status"`
	Description string `json:"description"`
}

// problemDocs are the problem types by name, from the embedded document,
// each encoded once as JSON and as HTML.
type problemDocs struct {
	json, html map[string][]byte
}

// allProblems are every problem an answer can carry, for their titles.
var allProblems = []*server.Problem{
	server.ProblemBadRequest, server.ProblemNotFound, server.ProblemMethod, server.ProblemTimeout,
	server.ProblemTooLarge, server.ProblemURITooLong, server.ProblemExpectation, server.ProblemHeaderTooLarge,
	server.ProblemInternal, server.ProblemNotImplemented, server.ProblemOverloaded, server.ProblemHTTPVersion,
	ProblemInvalidParameter, ProblemInvalidBody, ProblemInvalidGeometry, ProblemNoCollection, ProblemNoFeature,
	ProblemConflict, ProblemPrecondition, ProblemNotAcceptable, ProblemMediaType, ProblemUnauthorized,
	ProblemNoSpace, ProblemReadOnly, ProblemKeyReused, ProblemNotCaughtUp, ProblemOutcomeUnknown,
}

// loadProblemDocs reads x-problem-types from the OpenAPI document. A
// problem there without a title here is a programmer's mistake.
func loadProblemDocs() *problemDocs {
	var doc struct {
		Types map[string]struct {
			Status      int    `json:"status"`
			Description string `json:"description"`
		} `json:"x-problem-types"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		panic("BUG: the embedded OpenAPI document: " + err.Error())
	}
	titles := map[string]string{}
	for _, p := range allProblems {
		titles[p.Type] = p.Title
	}
	d := &problemDocs{json: map[string][]byte{}, html: map[string][]byte{}}
	names := make([]string, 0, len(doc.Types))
	for typ := range doc.Types {
		names = append(names, typ)
	}
	sort.Strings(names)
	for _, typ := range names {
		t := doc.Types[typ]
		title, ok := titles[typ]
		if !ok {
			panic("BUG: problem type " + typ + " has no title")
		}
		name := typ[len("/problems/"):]
		d.json[name], _ = json.Marshal(problemDoc{Type: typ, Title: title, Status: t.Status, Description: t.Description})
		var b bytes.Buffer
		b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>`)
		b.WriteString(html.EscapeString(title))
		b.WriteString(` — daemon1</title></head><body><h1>`)
		b.WriteString(html.EscapeString(title))
		b.WriteString(`</h1><p><code>` + html.EscapeString(typ) + `</code>, answered with HTTP status ` + strconv.Itoa(t.Status) + `.</p><p>`)
		b.WriteString(html.EscapeString(t.Description))
		b.WriteString(`</p><p><a href="/api">The API's OpenAPI document</a> lists every problem type.</p></body></html>`)
		d.html[name] = b.Bytes()
	}
	return d
}

var mtHTML = []byte("text/html; charset=utf-8")

// problemType answers GET /problems/{name}: JSON, or HTML when the client
// asks for it (f=html, or an Accept that prefers text/html).
func (a *Features) problemType(ctx *fasthttp.RequestCtx) {
	name := string(server.Param(ctx, "name"))
	doc, ok := a.problems.json[name]
	if !ok {
		server.WriteProblem(ctx, fasthttp.StatusNotFound, server.ProblemNotFound,
			"there is no problem type "+strconv.Quote("/problems/"+name)+"; GET /api lists them under x-problem-types")
		return
	}
	switch f := string(ctx.QueryArgs().Peek("f")); {
	case f == "html" || f == "" && prefersHTML(ctx.Request.Header.Peek("Accept")):
		ctx.Response.Header.SetContentTypeBytes(mtHTML)
		ctx.Response.SetBodyRaw(a.problems.html[name])
	case f == "" || f == "json":
		ctx.Response.Header.SetContentTypeBytes(mtJSON)
		ctx.Response.SetBodyRaw(doc)
	default:
		server.WriteProblem(ctx, fasthttp.StatusNotAcceptable, ProblemNotAcceptable, "f="+f+" is not served here: f=json or f=html")
	}
}

// prefersHTML reports whether an Accept header lists text/html before any
// JSON type, as a browser's does.
func prefersHTML(accept []byte) bool {
	h := bytes.Index(accept, []byte("text/html"))
	if h < 0 {
		return false
	}
	j := bytes.Index(accept, []byte("json"))
	return j < 0 || h < j
}

package api

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
	"github.com/valyala/fasthttp"
)

// HTML pages for a browser (f=html, or an Accept that prefers text/html):
// the landing page, conformance, the API, the collections, a collection,
// a page of features (with its paging links and a filter form) and one
// feature, each map drawn by the server as SVG — nothing to load from
// anywhere, no JavaScript. They are served by the same handlers, under the
// same budget, as the JSON they stand beside.

//go:embed html/*.tmpl
var htmlFS embed.FS

// pages are the page templates, each with the layout.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"landing", "conformance", "api", "collections", "collection", "items", "item"} {
		m[name] = template.Must(template.New(name).ParseFS(htmlFS, "html/layout.tmpl", "html/"+name+".tmpl"))
	}
	return m
}()

// wantsHTML reports whether a read asks for HTML.
func wantsHTML(ctx *fasthttp.RequestCtx) bool {
	f := ctx.QueryArgs().Peek("f")
	return string(f) == "html" || len(f) == 0 && prefersHTML(ctx.Request.Header.Peek("Accept"))
}

// page answers a page: the layout with name's body, given data (whose
// Title names the page).
func page(ctx *fasthttp.RequestCtx, name string, data any) {
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, "layout", data); err != nil {
		server.Fail(ctx, fmt.Errorf("rendering page %s: %w", name, err))
		return
	}
	ctx.Response.Header.SetContentTypeBytes(mtHTML)
	ctx.Response.SetBody(b.Bytes())
}

// apiOperations are the OpenAPI document's operations, for the API page.
var apiOperations = func() (ops []struct{ Method, Path, Summary string }) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		panic("BUG: the embedded OpenAPI document: " + err.Error())
	}
	for path, item := range doc.Paths {
		for method, raw := range item {
			var op struct{ Summary string }
			if method == "parameters" || json.Unmarshal(raw, &op) != nil {
				continue
			}
			ops = append(ops, struct{ Method, Path, Summary string }{strings.ToUpper(method), path, op.Summary})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		return ops[i].Path < ops[j].Path || ops[i].Path == ops[j].Path && ops[i].Method < ops[j].Method
	})
	return ops
}()

func landingPage(ctx *fasthttp.RequestCtx) { page(ctx, "landing", struct{ Title string }{"daemon1"}) }

func conformancePage(ctx *fasthttp.RequestCtx) {
	var doc struct{ ConformsTo []string }
	json.Unmarshal(conformanceDoc, &doc)
	page(ctx, "conformance", struct {
		Title   string
		Classes []string
	}{"Conformance", doc.ConformsTo})
}

func apiPage(ctx *fasthttp.RequestCtx) {
	page(ctx, "api", struct {
		Title, Description string
		Operations         []struct{ Method, Path, Summary string }
	}{"The API", "Every path and method daemon1 serves.", apiOperations})
}

// collectionView is a collection as its pages show it.
type collectionView struct {
	Name, Title, Description, Extent string
	Count                            int
	box                              *[4]float64
}

func viewOf(c *store.Collection) collectionView {
	title, desc := c.Meta()
	v := collectionView{Name: c.Name(), Title: title, Description: desc, Count: c.Len(), Extent: "none (no located feature)"}
	if min, max, ok := c.Bounds(); ok {
		v.box = &[4]float64{min[0], min[1], max[0], max[1]}
		v.Extent = fmt.Sprintf("[%g, %g, %g, %g]", min[0], min[1], max[0], max[1])
	}
	return v
}

func collectionsPage(ctx *fasthttp.RequestCtx, s *store.Store) {
	var views []collectionView
	var m svgMap
	for _, c := range s.Collections() {
		v := viewOf(c)
		views = append(views, v)
		if v.box != nil {
			m.box(v.Name, *v.box)
		}
	}
	page(ctx, "collections", struct {
		Title       string
		Map         template.HTML
		Collections []collectionView
	}{"Collections", m.svg(), views})
}

func collectionPage(ctx *fasthttp.RequestCtx, c *store.Collection) {
	v := viewOf(c)
	var m svgMap
	if v.box != nil {
		m.box(v.Name, *v.box)
	}
	page(ctx, "collection", struct {
		collectionView
		Title string
		Map   template.HTML
	}{v, c.Name(), m.svg()})
}

// featureView is a feature as the pages list it.
type featureView struct {
	ID, PathID, Type, Properties string
}

func featureViewOf(f *store.Feature, m *svgMap) featureView {
	v := featureView{ID: f.ID(), PathID: url.PathEscape(f.ID()), Properties: f.Properties(), Type: "none"}
	if v.Properties == "" {
		v.Properties = "null"
	}
	if lon, lat, ok := f.Point(); ok {
		v.Type = "Point"
		m.point(f.ID(), lon, lat)
	} else if g := f.GeometryJSON(); g != "" && g != "null" {
		v.Type = m.geometry(f.ID(), []byte(g))
	}
	return v
}

// itemsPage answers a page of features as HTML: l holds the page, next is
// the next page's link ("" if none).
func itemsPage(ctx *fasthttp.RequestCtx, c *store.Collection, l *listing, next string) {
	var m svgMap
	views := make([]featureView, len(l.p.Features))
	for i, f := range l.p.Features {
		views[i] = featureViewOf(f, &m)
	}
	args := ctx.QueryArgs()
	first := "/collections/" + url.PathEscape(c.Name()) + "/items?"
	for k, v := range args.All() {
		if string(k) != "cursor" {
			first += url.QueryEscape(string(k)) + "=" + url.QueryEscape(string(v)) + "&"
		}
	}
	asJSON := strings.Replace(string(ctx.URI().RequestURI()), "f=html", "f=json", 1)
	if !strings.Contains(asJSON, "f=json") {
		asJSON += map[bool]string{true: "&", false: "?"}[strings.Contains(asJSON, "?")] + "f=json"
	}
	page(ctx, "items", struct {
		Title, Name, Filter, First, Next, JSON string
		Limit, Returned, Matched               int
		Map                                    template.HTML
		Features                               []featureView
	}{c.Name() + ": features", c.Name(), string(args.Peek("filter")), strings.TrimSuffix(first, "&"), next, asJSON,
		l.q.Limit, len(l.p.Features), l.p.Matched, m.svg(), views})
}

func itemPage(ctx *fasthttp.RequestCtx, c *store.Collection, f *store.Feature) {
	var m svgMap
	v := featureViewOf(f, &m)
	type prop struct{ Name, Value string }
	var props []prop
	if p := f.Properties(); p != "" {
		var members map[string]json.RawMessage
		json.Unmarshal([]byte(p), &members)
		for k, val := range members {
			props = append(props, prop{k, string(val)})
		}
		sort.Slice(props, func(i, j int) bool { return props[i].Name < props[j].Name })
	}
	page(ctx, "item", struct {
		Title, Name string
		Version     uint64
		Feature     featureView
		Map         template.HTML
		Props       []prop
	}{c.Name() + ": " + f.ID(), c.Name(), f.Version(), v, m.svg(), props})
}

// svgMap draws features on an equirectangular map (x longitude, y
// latitude up), framed on what it holds.
type svgMap struct {
	els                    []string
	minX, minY, maxX, maxY float64
	n                      int
}

func (m *svgMap) extend(x, y float64) {
	if m.n == 0 {
		m.minX, m.maxX, m.minY, m.maxY = x, x, y, y
	}
	m.n++
	m.minX, m.maxX = math.Min(m.minX, x), math.Max(m.maxX, x)
	m.minY, m.maxY = math.Min(m.minY, y), math.Max(m.maxY, y)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (m *svgMap) point(id string, x, y float64) {
	m.extend(x, y)
	m.els = append(m.els, `<circle class="feature" data-id="`+template.HTMLEscapeString(id)+`" cx="`+num(x)+`" cy="`+num(-y)+`" r="R"><title>`+template.HTMLEscapeString(id)+`</title></circle>`)
}

func (m *svgMap) box(name string, b [4]float64) {
	m.extend(b[0], b[1])
	m.extend(b[2], b[3])
	m.els = append(m.els, `<rect class="extent" data-id="`+template.HTMLEscapeString(name)+`" x="`+num(b[0])+`" y="`+num(-b[3])+`" width="`+num(b[2]-b[0])+`" height="`+num(b[3]-b[1])+`"><title>`+template.HTMLEscapeString(name)+`</title></rect>`)
}

// geometry draws a GeoJSON geometry and returns its type.
func (m *svgMap) geometry(id string, g []byte) string {
	var v struct {
		Type        string
		Coordinates json.RawMessage
		Geometries  []json.RawMessage
	}
	if json.Unmarshal(g, &v) != nil {
		return "unknown"
	}
	path := func(rings [][][]float64, closed bool) string {
		var b strings.Builder
		for _, r := range rings {
			for i, p := range r {
				if len(p) < 2 {
					continue
				}
				m.extend(p[0], p[1])
				b.WriteString(map[bool]string{true: "M", false: "L"}[i == 0] + num(p[0]) + " " + num(-p[1]) + " ")
			}
			if closed {
				b.WriteString("Z ")
			}
		}
		return b.String()
	}
	draw := func(d string, closed bool) {
		class := "feature"
		fill := ""
		if !closed {
			fill = ` fill="none"`
		}
		m.els = append(m.els, `<path class="`+class+`" data-id="`+template.HTMLEscapeString(id)+`" fill-rule="evenodd"`+fill+` d="`+d+`"><title>`+template.HTMLEscapeString(id)+`</title></path>`)
	}
	switch v.Type {
	case "Point":
		var p []float64
		if json.Unmarshal(v.Coordinates, &p) == nil && len(p) >= 2 {
			m.point(id, p[0], p[1])
		}
	case "MultiPoint":
		var ps [][]float64
		json.Unmarshal(v.Coordinates, &ps)
		for _, p := range ps {
			if len(p) >= 2 {
				m.point(id, p[0], p[1])
			}
		}
	case "LineString":
		var l [][]float64
		json.Unmarshal(v.Coordinates, &l)
		draw(path([][][]float64{l}, false), false)
	case "MultiLineString":
		var ls [][][]float64
		json.Unmarshal(v.Coordinates, &ls)
		draw(path(ls, false), false)
	case "Polygon":
		var rings [][][]float64
		json.Unmarshal(v.Coordinates, &rings)
		draw(path(rings, true), true)
	case "MultiPolygon":
		var polys [][][][]float64
		json.Unmarshal(v.Coordinates, &polys)
		for _, rings := range polys {
			draw(path(rings, true), true)
		}
	case "GeometryCollection":
		for _, sub := range v.Geometries {
			m.geometry(id, sub)
		}
	}
	return v.Type
}

// svg is the map, framed on what it holds with a margin; empty when it
// holds nothing.
func (m *svgMap) svg() template.HTML {
	if m.n == 0 {
		return ""
	}
	w, h := m.maxX-m.minX, m.maxY-m.minY
	pad := math.Max(math.Max(w, h)*0.05, 1e-4)
	padX, padY := pad, pad
	w, h = w+2*pad, h+2*pad
	if h < w/3 { // not thinner than 3:1
		padY, h = padY+(w/3-h)/2, w/3
	}
	r := num(math.Max(w, h) / 150)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="map" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="a map of what this page lists" viewBox="%s %s %s %s" width="1000" height="%d" preserveAspectRatio="xMidYMid meet">`,
		num(m.minX-padX), num(-m.maxY-padY), num(w), num(h), int(math.Min(600, math.Max(200, 1000*h/w))))
	for _, el := range m.els {
		b.WriteString(strings.Replace(el, `r="R"`, `r="`+r+`"`, 1))
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

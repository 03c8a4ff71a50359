package api

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestOffloadChoice(t *testing.T) {
	search := func(body string, want bool) {
		t.Helper()
		var ctx fasthttp.RequestCtx
		ctx.Request.SetBodyString(body)
		if got := largeSearch(&ctx); got != want {
			t.Fatalf("largeSearch(%.60s…) = %v, want %v", body, got, want)
		}
	}
	search(`{"nearby":{"point":[0,0],"k":10}}`, false)
	search(`{"nearby":{"point":[0,0],"k":1000},"limit":1000}`, false)
	search(`{"nearby":{"point":[0,0],"k" : 10000}}`, true)
	search(`{"within":{"type":"Point","coordinates":[0,0]},"limit":`+"\n"+`5000}`, true)
	search(`{"within":{"type":"Point","coordinates":[0,0]},"limit":99999999999}`, true)
	search(`{"nearby":{"point":[0,0],"k":10},"filter":"name = 'x'"}`, true)
	search(`{"within":`+strings.Repeat(" ", 17<<10)+`{"type":"Point","coordinates":[0,0]}}`, true)
	list := func(uri string, want bool) {
		t.Helper()
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI(uri)
		if got := largeListing(&ctx); got != want {
			t.Fatalf("largeListing(%s) = %v, want %v", uri, got, want)
		}
	}
	list("/collections/c/items", false)
	list("/collections/c/items?limit=1000", false)
	list("/collections/c/items?bbox=0,0,1,1&limit=1001", true)
	list("/collections/c/items?limit=x", false)
	list("/collections/c/items?filter=name%3D'x'", true)
}

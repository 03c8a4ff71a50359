package main

import (
	"fmt"
	"os"

	"github.com/geometryos/daemon1/internal/benchkit"
)

// script is one scenario: a wrk Lua script.
type script struct {
	name string
	file string
	// tile38 is Tile38's figure for the same question on this machine
	// (issue 4), in req/s, and the factor daemon1 aims for; 0: none.
	tile38, aim float64
}

// luaHeader seeds each wrk thread differently and defines the area.
const luaHeader = `
local thread_id = 0
setup = function(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end
init = function(args)
  math.randomseed(os.time() * 1000 + (id or 0))
end
local N, LON, LAT, W = %d, %g, %g, %g
local function lon() return LON + math.random() * W end
local function lat() return LAT + math.random() * W end
local json = {["Content-Type"] = "application/json"}
`

var scenarioLua = []struct {
	name        string
	tile38, aim float64
	lua         string
}{
	{"GET item", 95500, 1.3, `
request = function()
  return wrk.format("GET", string.format("/collections/pts/items/pt-%07d", math.random(0, N - 1)))
end
`},
	{"bbox 0.01°", 41500, 2, `
request = function()
  local x, y = lon(), lat()
  return wrk.format("GET", string.format("/collections/pts/items?bbox=%.6f,%.6f,%.6f,%.6f&limit=100", x, y, x + 0.01, y + 0.01))
end
`},
	{"nearby k=10, 1 km", 22000, 2, `
request = function()
  return wrk.format("POST", "/collections/pts/search", json,
    string.format('{"nearby":{"point":[%.6f,%.6f],"k":10,"radius":1000}}', lon(), lat()))
end
`},
	{"within 0.01° polygon", 0, 0, `
request = function()
  local x, y = lon(), lat()
  return wrk.format("POST", "/collections/pts/search", json, string.format(
    '{"within":{"type":"Polygon","coordinates":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]},"limit":100}',
    x, y, x + 0.01, y, x + 0.01, y + 0.01, x, y + 0.01, x, y))
end
`},
	{"PUT point", 71500, 1, `
request = function()
  return wrk.format("PUT", string.format("/collections/pts/items/pt-%07d", math.random(0, N - 1)), json,
    string.format('{"type":"Feature","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"n":1}}', lon(), lat()))
end
`},
}

// writeScripts writes each scenario's Lua to a temporary file.
func writeScripts(c *config) ([]script, error) {
	var out []script
	for _, s := range scenarioLua {
		f, err := os.CreateTemp("", "apibench-*.lua")
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(f, luaHeader, c.points, c.minLon, c.minLat, c.w)
		f.WriteString(s.lua)
		f.WriteString(benchkit.LatencyScript)
		if err := f.Close(); err != nil {
			return nil, err
		}
		out = append(out, script{name: s.name, file: f.Name(), tile38: s.tile38, aim: s.aim})
	}
	return out, nil
}

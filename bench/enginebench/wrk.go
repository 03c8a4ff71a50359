package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/geometryos/daemon1/internal/benchkit"
)

// pipelineScript writes a wrk Lua script that sends wrk.args[1] GETs of the
// URL's path back to back per wrk request.
func pipelineScript() (string, error) {
	f, err := os.CreateTemp("", "pipeline-*.lua")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.WriteString(`init = function(args)
  local depth = tonumber(args[1]) or 1
  local r = {}
  for i = 1, depth do r[i] = wrk.format(nil, wrk.path) end
  req = table.concat(r)
end
request = function() return req end
`)
	return f.Name(), err
}

// runWrk runs wrk for d against addr's /healthz.
func runWrk(addr string, sc scenario, script string, threads int, d time.Duration) (result, error) {
	secs := max(1, int(d.Round(time.Second).Seconds())) // wrk counts whole seconds
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(sc.conns), "-d", fmt.Sprintf("%ds", secs),
		"--latency", "--timeout", "5s"}
	if sc.depth > 1 {
		args = append(args, "-s", script)
	}
	args = append(args, "http://"+addr+"/healthz")
	if sc.depth > 1 {
		args = append(args, "--", strconv.Itoa(sc.depth))
	}
	return benchkit.RunWrk(pin, sc.name, args...)
}

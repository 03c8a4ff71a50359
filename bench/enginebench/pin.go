package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// pinning keeps the servers and wrk on separate CPUs, so that they do not
// take turns on the same core and each figure measures one side only. Every
// server gets the same CPUs and GOMAXPROCS, so fasthttp.Server's goroutines
// and the gnet loops have the same cores to run on.
type pinning struct {
	server, client string // taskset CPU lists; "" means not pinned
	procs          string // GOMAXPROCS for the servers
}

var pin pinning

func (p pinning) serverCmd(bin string, args ...string) *exec.Cmd {
	cmd := p.wrap(p.server, bin, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+p.procs)
	return cmd
}

func (p pinning) clientCmd(bin string, args ...string) *exec.Cmd {
	return p.wrap(p.client, bin, args...)
}

func (p pinning) wrap(cpus, bin string, args ...string) *exec.Cmd {
	if cpus == "" {
		return exec.Command(bin, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpus, bin}, args...)...)
}

func (p pinning) String() string {
	if p.server == "" {
		return "Servers and wrk are not pinned."
	}
	return fmt.Sprintf("Servers pinned to CPU %s (GOMAXPROCS=%s, %s event loops), wrk to CPU %s.", p.server, p.procs, p.procs, p.client)
}

// cpuCount counts the CPUs in a taskset list such as "0", "0,2" or "0-3".
func cpuCount(list string) int {
	if list == "" {
		return runtime.NumCPU()
	}
	n := 0
	for _, part := range strings.Split(list, ",") {
		var lo, hi int
		if _, err := fmt.Sscanf(part, "%d-%d", &lo, &hi); err == nil {
			n += hi - lo + 1
		} else {
			n++
		}
	}
	return n
}

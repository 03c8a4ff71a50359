package benchkit

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Pinning puts the servers on given CPUs (taskset), so that their figures
// are steadier on a shared machine. Every server gets the same CPUs and
// GOMAXPROCS, so fasthttp.Server's goroutines and the gnet loops have the
// same cores to run on.
type Pinning struct {
	Server string // a taskset CPU list; "" means not pinned
	Procs  string // GOMAXPROCS for the servers
}

// ServerCmd is the command that starts a server: pinned, with GOMAXPROCS
// set when Procs is.
func (p Pinning) ServerCmd(bin string, args ...string) *exec.Cmd {
	cmd := p.wrap(p.Server, bin, args...)
	if p.Procs != "" {
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+p.Procs)
	}
	return cmd
}

func (p Pinning) wrap(cpus, bin string, args ...string) *exec.Cmd {
	if cpus == "" {
		return exec.Command(bin, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpus, bin}, args...)...)
}

func (p Pinning) String() string {
	if p.Server == "" {
		return "Servers are not pinned."
	}
	return fmt.Sprintf("Servers pinned to CPU %s (GOMAXPROCS=%s, %s event loops).", p.Server, p.Procs, p.Procs)
}

// CPUCount counts the CPUs in a taskset list such as "0", "0,2" or "0-3".
func CPUCount(list string) int {
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

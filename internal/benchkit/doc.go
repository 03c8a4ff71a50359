// Package benchkit is what the benchmark suite needs of the machine: a
// server's CPU time and memory from /proc, free loopback ports, waiting
// for a server to listen or be ready, stopping it, and pinning servers to
// CPUs.
package benchkit

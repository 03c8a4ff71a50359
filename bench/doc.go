// Package bench holds daemon1's load generation and the baselines it is
// measured against:
//
//   - loadgen: the load generator (closed and open loop, pipelining, HDR
//     histograms), its request scenarios and the data loader; its command
//     is cmd/daemon1-bench, whose suite makes bench/results/<date>/report.md;
//   - rawgnet: a minimal gnet responder that answers a fixed response to each
//     header block without parsing it: the ceiling of a gnet server here;
//   - storemem: the heap a stored point feature costs.
//
// Nothing in the daemon imports these packages.
package bench

// Package bench holds daemon1's load generation and the baselines it is
// measured against. Its commands live in subdirectories:
//
//   - rawgnet: a minimal gnet responder that answers a fixed response to each
//     header block without parsing it: the ceiling of a gnet server here.
//   - enginebench: drives wrk against daemon1 (gnet), daemon1 -engine=fasthttp
//     and rawgnet, alternating, and reports req/s, latency and server CPU per
//     request as ratios to fasthttp measured in the same run.
//
// Nothing in the daemon imports this package.
package bench

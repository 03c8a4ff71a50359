// Package loadgen is daemon1's load generator: HTTP/1.1 over raw keep-alive
// connections (requests appended into reused buffers, responses parsed in
// place: no allocation per request), optional pipelining, in a closed loop
// (each connection sends as fast as its answers come back) or an open loop
// (a constant arrival rate; latency counted from when each request was due,
// so queueing shows: the coordinated-omission correction wrk2 makes).
// Latencies go into HDR histograms (hdrhistogram-go, 1 µs to 1 min, 3
// significant digits). Every run is bounded by a duration or a count and
// targets loopback only.
package loadgen

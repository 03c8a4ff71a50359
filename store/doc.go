// Package store holds Geometry OS's shapes: named collections of GeoJSON
// features, their spatial index and the queries over it. It knows nothing of
// HTTP.
//
// A Collection keeps its features in a B-tree by id (lookups, and the stable
// order that listings page through) and an R-tree of float32 boxes rounded
// outwards (candidates for bbox, intersects, within and nearby; the exact
// predicates follow). Readers share a per-collection RWMutex and hold it for
// bounded chunks of work, resuming by id, so a writer waiting for the lock
// is never stuck behind a long scan.
//
// Every write is staged by one goroutine, the committer (commit.go), as
// records (records.go: each record's payload, decoder and apply side by
// side), written to the append-only file in one group-committed batch, and
// applied only once durable. Replay decodes the same records and applies
// them by the same code. A bulk insert goes in chunk by chunk, hidden from
// readers until whole.
package store

// Package store holds Geometry OS's shapes: named collections of GeoJSON
// features, their spatial index and the queries over it. It knows nothing of
// HTTP.
//
// A Collection keeps its features in two copy-on-write trees: a B-tree by id
// (lookups, and the stable order that listings page through) and an R-tree
// by bounding box (bbox, intersects, within and nearby). Readers share a
// per-collection RWMutex and hold it for bounded chunks of work; writers are
// serialised by a second mutex and hold the readers' lock only to apply an
// already validated change, so a read never waits behind a long write (a bulk
// insert is built on copies of the trees and swapped in at once).
package store

// Package store holds Geometry OS's shapes: named collections of GeoJSON
// features, their spatial index and the queries over it. It knows nothing of
// HTTP.
//
// So far it has the geometry checks every write goes through (geometry.go);
// collections, the index and the queries come with the OGC API issue.
package store

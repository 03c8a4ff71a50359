// Package load loads a file of GeoJSON features into a daemon1 collection
// (the daemon1 load command): a FeatureCollection of any size (streamed),
// a GeoJSON text sequence, or newline-delimited GeoJSON, sent in chunks
// that fit the server's limits, by several workers at once, over the
// binary protocol or REST.
//
// A load can be run again after it was stopped: with IfExists skip (the
// default) or replace, a feature already loaded is not loaded twice, and
// every chunk may safely be sent again, so the ones whose answer was lost
// are retried. Features without an id get one from IDPrefix and their
// position in the input, so that they too are recognised by a second run.
package load

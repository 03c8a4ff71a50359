package store

import "time"

// Log is where the committer makes each batch of records durable before
// it applies it: the append-only file of a single node (fileLog), or a
// log that a fleet of nodes shares.
type Log interface {
	// Append makes batch (records as appendRecord frames them) durable,
	// or none of it, by deadline, and returns its position: the one after
	// at, the position of the last batch the store applied. An error
	// means the batch was not written.
	Append(batch []byte, at uint64, deadline time.Time) (pos uint64, err error)
}

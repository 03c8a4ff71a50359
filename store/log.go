package store

import (
	"errors"
	"fmt"
	"time"
)

// Log is where the committer makes each batch of records durable before
// it applies it: the append-only file of a single node (fileLog), or a
// log that the nodes of a fleet share (see OpenReplica).
type Log interface {
	// Append makes batch (records as appendRecord frames them) durable,
	// or none of it, by deadline, and returns its position: the one after
	// at, the position of the last batch the store applied. An error
	// means the batch was not written, unless it wraps ErrOutcomeUnknown;
	// a *Conflict means a shared log holds batches after at.
	Append(batch []byte, at uint64, deadline time.Time) (pos uint64, err error)
}

// Tail is a shared log that can say its last position as it stands: every
// write acknowledged before the call is at or before it.
type Tail interface {
	Last(deadline time.Time) (uint64, error)
}

// Entry is a batch of a shared log, as its followers receive it.
type Entry struct {
	Pos   uint64 // its position: 1, 2, 3, … without gaps
	Batch []byte // its records, as Log.Append was given them
}

// Conflict is a shared log refusing a batch because another node wrote
// after the position the batch was checked against. Nothing was written:
// the committer applies the log up to Last and checks the batch's writes
// again.
type Conflict struct{ Last uint64 }

func (c *Conflict) Error() string {
	return fmt.Sprintf("the shared log has moved on to position %d", c.Last)
}

// ErrOutcomeUnknown: the shared log did not answer in time, and the batch
// may yet be in it (the node learns which as it follows the log). The API
// answers 504 with a problem that says how to check.
var ErrOutcomeUnknown = errors.New("the shared log did not confirm the write in time: it may or may not have been made")

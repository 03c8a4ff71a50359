// Package fleet runs daemon1 as one node of a fleet: every node keeps the
// whole store in memory and applies one replicated write log, a NATS
// JetStream stream (Raft-replicated, R3 by default), in order.
//
// The stream holds one message per committed batch of the store's records
// (store.Log), published with Nats-Expected-Last-Sequence set to the last
// position the node applied: the stream leader takes a batch only if no
// other node wrote since, so every batch was checked against the state
// every node will have when it applies it, and preconditions hold across
// the fleet. A refused batch is a store.Conflict: the node applies what it
// missed and checks the batch's writes again. Retries of one publish carry
// the same Nats-Msg-Id, so a retry of a batch that did commit is answered
// with its position instead of being written twice.
//
// The node's store follows the stream through an ordered consumer
// (store.Follow), starting after the position of its snapshot. Errors are
// forwarded to a second stream that holds every node's error log.
//
// See docs/fleet.md for the design and its reasons.
package fleet

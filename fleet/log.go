package fleet

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/geometryos/daemon1/store"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The JetStream error codes a publish's precondition fails with: the
// stream's last position is not the one expected (10071, which names
// it), or another publish with an expectation is being replicated
// (10164).
const (
	codeWrongLastSeq      jetstream.ErrorCode = 10071
	codeWrongLastSeqBusy  jetstream.ErrorCode = 10164
	attemptTimeout                            = time.Second
	noLeaderRetry                             = 100 * time.Millisecond
	expectedLastSeqHeader                     = "Nats-Expected-Last-Sequence"
	msgIDHeader                               = "Nats-Msg-Id"
)

// Append publishes a batch to the write log, expecting the stream's last
// position to be at; it implements store.Log. A publish that gets no
// answer is sent again, with the same message id, until deadline: a
// retry of a publish that did commit is answered with its position. When
// some attempt got no answer and none confirms it, the outcome is
// unknown (store.ErrOutcomeUnknown); when every attempt was refused, or
// reached no stream, nothing was written (store.ErrWriteFailed).
func (n *Node) Append(batch []byte, at uint64, deadline time.Time) (uint64, error) {
	return n.append(batch, at, deadline, n.idPrefix+strconv.FormatUint(n.ids.Add(1), 10))
}

// append is Append with the message id given: every attempt carries it.
func (n *Node) append(batch []byte, at uint64, deadline time.Time, id string) (uint64, error) {
	msg := &nats.Msg{Subject: n.subject, Data: batch, Header: nats.Header{}}
	if !n.cfg.UnsafeNoExpectation {
		msg.Header.Set(expectedLastSeqHeader, strconv.FormatUint(at, 10))
	}
	msg.Header.Set(msgIDHeader, id)
	unknown := false
	var last error
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		ctx, cancel := context.WithTimeout(context.Background(), min(left, attemptTimeout))
		ack, err := n.js.PublishMsg(ctx, msg)
		cancel()
		if err == nil {
			return ack.Sequence, nil
		}
		last = err
		var apiErr *jetstream.APIError
		switch {
		case errors.As(err, &apiErr) && (apiErr.ErrorCode == codeWrongLastSeq || apiErr.ErrorCode == codeWrongLastSeqBusy):
			if unknown {
				// An earlier attempt may be what moved the stream on: a
				// clustered stream would have answered this retry with
				// its position (it checks ids first), a single server
				// checks the position first. The log says which.
				if n.committedAs(id, at+1) {
					return at + 1, nil
				}
				return 0, fmt.Errorf("%w (then: %v)", store.ErrOutcomeUnknown, err)
			}
			return 0, &store.Conflict{Last: lastOf(apiErr, at)}
		case errors.As(err, &apiErr):
			if unknown {
				return 0, fmt.Errorf("%w (then: %v)", store.ErrOutcomeUnknown, err)
			}
			return 0, fmt.Errorf("%w: the fleet's log refused it: %v", store.ErrWriteFailed, err)
		case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
			// No stream took the message (no leader yet): try again.
			sleep(min(noLeaderRetry, time.Until(deadline)))
		default:
			// Timed out, or the connection dropped: the message may be in.
			unknown = true
		}
	}
	if unknown {
		return 0, fmt.Errorf("%w: no answer from the fleet's log in time (%v)", store.ErrOutcomeUnknown, last)
	}
	return 0, fmt.Errorf("%w: the fleet's log had no leader in time (%v)", store.ErrWriteFailed, last)
}

// committedAs reports whether the write log's batch at pos is the message
// id's (asked of the stream's leader: the stream serves no direct gets).
func (n *Node) committedAs(id string, pos uint64) bool {
	ctx, cancel := context.WithTimeout(context.Background(), attemptTimeout)
	defer cancel()
	m, err := n.stream.GetMsg(ctx, pos)
	return err == nil && m.Header.Get(msgIDHeader) == id
}

// lastOf reads the stream's last position from a wrong-last-sequence
// error ("wrong last sequence: 42"); without it, the one after at.
func lastOf(e *jetstream.APIError, at uint64) uint64 {
	if i := strings.LastIndexByte(e.Description, ' '); i >= 0 {
		if v, err := strconv.ParseUint(e.Description[i+1:], 10, 64); err == nil && v > at {
			return v
		}
	}
	return at + 1
}

func sleep(d time.Duration) {
	if d > 0 {
		time.Sleep(d)
	}
}

// Follow delivers the write log's batches from position from on; it
// implements store.Follow. An ordered consumer (recreated at the position
// after the last delivered, should it fail) feeds the channel until the
// node is closed.
func (n *Node) Follow(from uint64) (<-chan store.Entry, error) {
	ch := make(chan store.Entry, 16) // batches may be MBs: a short queue
	it, err := n.consume(from)
	if err != nil {
		return nil, err
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer close(ch)
		for {
			from = n.deliver(it, from, ch)
			select {
			case <-n.done:
				return
			default:
			}
			for {
				if it, err = n.consume(from); err == nil {
					break
				}
				n.cfg.Logf("fleet: cannot follow the write log from position %d (trying again): %v", from, err)
				select {
				case <-n.done:
					return
				case <-time.After(500 * time.Millisecond):
				}
			}
		}
	}()
	return ch, nil
}

// consume starts an ordered consumer of the write log at position from.
func (n *Node) consume(from uint64) (jetstream.MessagesContext, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{n.subject}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	c, err := n.js.OrderedConsumer(ctx, n.cfg.Stream, cfg)
	if err != nil {
		return nil, err
	}
	return c.Messages(jetstream.PullHeartbeat(500*time.Millisecond), jetstream.PullMaxBytes(4*int(n.nc.MaxPayload())))
}

// deliver sends the consumer's messages to ch until it fails or the node
// closes; it returns the position to go on from.
func (n *Node) deliver(it jetstream.MessagesContext, from uint64, ch chan<- store.Entry) uint64 {
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-n.done:
			it.Stop()
		case <-stopped:
		}
	}()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				n.cfg.Logf("fleet: following the write log at position %d: %v", from, err)
			}
			return from
		}
		meta, err := msg.Metadata()
		if err != nil {
			n.cfg.Logf("fleet: a message of the write log without metadata: %v", err)
			continue
		}
		pos := meta.Sequence.Stream
		if pos < from {
			continue
		}
		select {
		case ch <- store.Entry{Pos: pos, Batch: msg.Data()}:
			from = pos + 1
		case <-n.done:
			return from
		}
	}
}

// Last is the write log's last position as the stream's leader has it
// (an answer without a leader is not taken): every write the fleet
// acknowledged before Last was called is at or before it. It implements
// store.Tail. (A leader deposed by a partition could answer from an old
// state until it learns so; the expected position of every write keeps
// the log itself right.)
func (n *Node) Last(deadline time.Time) (uint64, error) {
	var last error
	for time.Until(deadline) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), min(time.Until(deadline), attemptTimeout))
		info, err := n.stream.Info(ctx)
		cancel()
		if err == nil && info.Cluster != nil && info.Cluster.Leader == "" && n.cfg.Replicas > 1 {
			// A member answers for a group without a leader, from its own
			// state, which may lag: wait for a leader.
			err = errors.New("the write log's stream has no leader")
		}
		if err == nil {
			return info.State.LastSeq, nil
		}
		last = err
		sleep(min(noLeaderRetry, time.Until(deadline)))
	}
	return 0, fmt.Errorf("%w: the fleet's log did not say its last position in time (%v)", store.ErrWriteFailed, last)
}

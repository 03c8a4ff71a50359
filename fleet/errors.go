package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ForwardErrors takes a batch of the error log's JSON lines (errlog calls
// it from its drain) and queues a copy to be published to the fleet's
// error stream. It never blocks: when the queue is full the lines are
// counted as dropped.
func (n *Node) ForwardErrors(lines []byte) {
	select {
	case n.errs <- bytes.Clone(lines):
	default:
		n.Dropped.Add(uint64(bytes.Count(lines, []byte{'\n'})))
	}
}

// forward publishes the queued error lines, one message a batch.
func (n *Node) forward() {
	defer n.wg.Done()
	for {
		select {
		case <-n.done:
			return
		case lines := <-n.errs:
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err := n.js.PublishMsg(ctx, &nats.Msg{Subject: n.errSubj, Data: lines})
			cancel()
			count := uint64(bytes.Count(lines, []byte{'\n'}))
			if err != nil {
				n.Dropped.Add(count)
				continue
			}
			n.Forwarded.Add(count)
		}
	}
}

// RecentErrors returns up to limit of the newest error-log entries of
// every node, oldest first, each with a "node" member naming its node.
func (n *Node) RecentErrors(ctx context.Context, limit int) ([]json.RawMessage, error) {
	s, err := n.js.Stream(ctx, n.cfg.Stream+"_ERRORS")
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	st := info.State
	if st.Msgs == 0 {
		return []json.RawMessage{}, nil
	}
	// A message holds one or more lines: read back as many messages as
	// lines wanted (at most), newest last.
	from := st.FirstSeq
	if st.LastSeq >= uint64(limit) && st.LastSeq-uint64(limit)+1 > from {
		from = st.LastSeq - uint64(limit) + 1
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from})
	if err != nil {
		return nil, err
	}
	var out []json.RawMessage
	want := int(st.LastSeq - from + 1)
	for got := 0; got < want; {
		batch, err := c.Fetch(want-got, jetstream.FetchContext(ctx))
		if err != nil {
			return nil, err
		}
		round := 0
		for msg := range batch.Messages() {
			got, round = got+1, round+1
			node := msg.Subject()[strings.LastIndexByte(msg.Subject(), '.')+1:]
			for _, line := range bytes.Split(bytes.TrimRight(msg.Data(), "\n"), []byte{'\n'}) {
				if len(line) < 2 || line[0] != '{' {
					continue
				}
				tagged := append([]byte(`{"node":`), quote(node)...)
				if len(line) > 2 {
					tagged = append(tagged, ',')
				}
				out = append(out, append(tagged, line[1:]...))
			}
		}
		if err := batch.Error(); err != nil {
			return nil, err
		}
		if round == 0 || ctx.Err() != nil {
			break // the oldest aged out meanwhile
		}
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

func quote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config is one node's place in the fleet.
type Config struct {
	// Node names this node: unique in the fleet (it names the embedded
	// server, the node's error-log subject and its publishes' ids).
	Node string
	// URL is an existing NATS cluster's; "": run Embedded in-process.
	URL      string
	Embedded Embedded
	// Stream is the write log's stream; its subject is Stream in lower
	// case, ".log". "DAEMON1".
	Stream string
	// Replicas of the streams (1 to 5); 3.
	Replicas int
	// MaxLag is how many batches the node may be behind the stream's last
	// before it reports itself not ready; 1000.
	MaxLag uint64
	// StartTimeout bounds the start of the embedded server; 30 s. The
	// streams are waited for until Start's context ends (a new fleet has
	// no JetStream until enough of its servers are up).
	StartTimeout time.Duration
	// Logf reports the node's progress and trouble.
	Logf func(format string, args ...any)
	// UnsafeNoExpectation publishes batches without their expected last
	// position: a test-only switch, the negative control that proves the
	// fleet's tests catch nodes that diverge.
	UnsafeNoExpectation bool
}

func (c *Config) defaults() {
	if c.Stream == "" {
		c.Stream = "DAEMON1"
	}
	if c.Replicas <= 0 {
		c.Replicas = 3
	}
	if c.MaxLag == 0 {
		c.MaxLag = 1000
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 30 * time.Second
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Embedded.MaxPayload == 0 {
		c.Embedded.MaxPayload = DefaultMaxPayload
	}
}

// DefaultMaxPayload is the embedded server's largest message: a batch
// holds writes up to about half of it (see MaxBatch).
const DefaultMaxPayload = 16 << 20

// Node is a connection to the fleet's NATS (and the server, if embedded).
type Node struct {
	cfg     Config
	srv     *server.Server // nil: an external cluster
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  jetstream.Stream
	subject string
	errSubj string

	idPrefix string        // this process's publishes' ids start with it
	ids      atomic.Uint64 // and end with a count
	// last is the stream's last position as last seen (polled);
	// startLast what it was when the node started following.
	last, startLast atomic.Uint64
	polled          atomic.Bool
	loaded          atomic.Uint64 // the position of the store's snapshot (SetLoaded)
	caughtUp        atomic.Bool

	errs      chan []byte // error-log lines to forward
	Forwarded atomic.Uint64
	Dropped   atomic.Uint64 // lines not forwarded: the queue was full, or NATS refused them

	done chan struct{}
	wg   sync.WaitGroup
	stop sync.Once
}

// Start connects the node to the fleet (starting the embedded server
// first, when there is no URL) and makes sure the streams exist. It waits
// as long as ctx allows for JetStream to be available.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	cfg.defaults()
	if cfg.Node == "" {
		return nil, errors.New("a fleet node needs a name (-fleet-node)")
	}
	if cfg.Replicas > 5 {
		return nil, fmt.Errorf("-fleet-replicas %d: JetStream allows 1 to 5", cfg.Replicas)
	}
	var prefix [6]byte
	rand.Read(prefix[:])
	n := &Node{cfg: cfg, subject: subjectOf(cfg.Stream) + ".log", errSubj: subjectOf(cfg.Stream) + ".errors." + cfg.Node,
		idPrefix: cfg.Node + "-" + hex.EncodeToString(prefix[:]) + "-",
		errs:     make(chan []byte, 256), done: make(chan struct{})}
	url := cfg.URL
	opts := []nats.Option{nats.Name("daemon1 " + cfg.Node), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				cfg.Logf("fleet: disconnected from NATS: %v", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { cfg.Logf("fleet: reconnected to NATS at %s", c.ConnectedUrl()) })}
	if url == "" {
		srv, err := startEmbedded(cfg.Node, cfg.Embedded, cfg.StartTimeout)
		if err != nil {
			return nil, err
		}
		n.srv = srv
		url = srv.ClientURL()
		opts = append(opts, nats.InProcessServer(srv))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		n.shutdownServer()
		return nil, fmt.Errorf("cannot connect to NATS at %s: %w", url, err)
	}
	n.nc = nc
	if n.js, err = jetstream.New(nc); err == nil {
		err = n.ensureStreams(ctx)
	}
	if err != nil {
		n.Close()
		return nil, err
	}
	n.wg.Add(2)
	go n.poll()
	go n.forward()
	return n, nil
}

// ensureStreams creates (or updates) the write log's stream and the error
// log's, retrying until ctx ends: the first JetStream request of a new
// fleet waits for its servers to elect a meta leader.
func (n *Node) ensureStreams(ctx context.Context) error {
	logCfg := jetstream.StreamConfig{
		Name: n.cfg.Stream, Subjects: []string{n.subject}, Storage: jetstream.FileStorage, Replicas: n.cfg.Replicas,
		Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardNew, MaxMsgs: -1, MaxBytes: -1,
		Duplicates: 2 * time.Minute, MaxMsgSize: -1,
		// A position never moves: the log's batches are never removed.
		DenyDelete: true, DenyPurge: true,
		Description: "daemon1's write log: one message per committed batch of records",
	}
	errCfg := jetstream.StreamConfig{
		Name: n.cfg.Stream + "_ERRORS", Subjects: []string{subjectOf(n.cfg.Stream) + ".errors.*"}, Storage: jetstream.FileStorage,
		Replicas: n.cfg.Replicas, Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardOld,
		MaxAge: 7 * 24 * time.Hour, MaxBytes: 256 << 20,
		Description: "every daemon1 node's error log, one message per batch of JSON lines",
	}
	start := time.Now()
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		s, err := n.js.CreateOrUpdateStream(actx, logCfg)
		if err == nil {
			_, err = n.js.CreateOrUpdateStream(actx, errCfg)
		}
		cancel()
		if err == nil {
			n.stream = s
			n.cfg.Logf("fleet: stream %s ready (R%d) after %s", n.cfg.Stream, n.cfg.Replicas, time.Since(start).Round(time.Millisecond))
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the fleet's JetStream is not available (waited %s): %w", time.Since(start).Round(time.Second), err)
		}
		if attempt%5 == 4 {
			n.cfg.Logf("fleet: waiting for JetStream (%s so far; are enough of the fleet's servers up?): %v", time.Since(start).Round(time.Second), err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// subjectOf is a stream name as a subject token.
func subjectOf(stream string) string {
	b := []byte(stream)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// MaxBatch is the size a batch of records should stay under (the store's
// MaxBatchBytes): half the connection's largest message, so that a batch
// cut there plus one more write still fits.
func (n *Node) MaxBatch() int { return int(n.nc.MaxPayload() / 2) }

// ClientURL is where NATS clients reach this node's embedded server ("":
// none).
func (n *Node) ClientURL() string {
	if n.srv == nil {
		return ""
	}
	return n.srv.ClientURL()
}

// poll keeps the stream's last position, to tell how far behind the node
// is.
func (n *Node) poll() {
	defer n.wg.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := n.stream.Info(ctx)
		cancel()
		if err == nil {
			n.last.Store(info.State.LastSeq)
			if n.polled.CompareAndSwap(false, true) {
				n.startLast.Store(info.State.LastSeq)
			}
		}
		select {
		case <-n.done:
			return
		case <-t.C:
		}
	}
}

// Check says why the node should not take requests, given the position
// its store applied, or "": it lost NATS, it has not caught up with the
// stream since it started, or it fell behind by more than MaxLag.
func (n *Node) Check(applied uint64) string {
	if !n.nc.IsConnected() {
		return "not connected to the fleet's NATS"
	}
	if !n.polled.Load() {
		return "catching up: the fleet's log has not answered yet"
	}
	if !n.caughtUp.Load() {
		if start := n.startLast.Load(); applied < start {
			return fmt.Sprintf("catching up: applied %d of the %d batches the fleet's log held at start", applied, start)
		}
		n.caughtUp.Store(true)
	}
	if loaded, start := n.loaded.Load(), n.startLast.Load(); loaded > start {
		return fmt.Sprintf("this node's snapshot is at position %d of a write log whose last was %d: it belongs to another log (remove it, and the node rebuilds its store from the fleet's log)", loaded, start)
	}
	if last := n.last.Load(); last > applied && last-applied > n.cfg.MaxLag {
		return fmt.Sprintf("behind the fleet's log by %d batches (more than %d)", last-applied, n.cfg.MaxLag)
	}
	return ""
}

// SetLoaded tells the node the position its store's snapshot held: a
// snapshot past the log's end is another log's, and the node is not ready.
func (n *Node) SetLoaded(pos uint64) { n.loaded.Store(pos) }

// LastSeen is the stream's last position, as last polled (every 200 ms).
func (n *Node) LastSeen() uint64 { return n.last.Load() }

// Close stops following, closes the connection and stops the embedded
// server (which hands the leadership of its streams over first).
func (n *Node) Close() {
	n.stop.Do(func() {
		close(n.done)
		n.wg.Wait()
		if n.nc != nil {
			n.nc.Close()
		}
		n.shutdownServer()
	})
}

func (n *Node) shutdownServer() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
	}
}

// Leader names the server leading stream's Raft group, asked through the
// NATS at url (for tests, benchmarks and operators' scripts).
func Leader(ctx context.Context, url, stream string) (string, error) {
	nc, err := nats.Connect(url, nats.Timeout(time.Second))
	if err != nil {
		return "", err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return "", err
	}
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return "", err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return "", fmt.Errorf("stream %s has no leader now", stream)
	}
	return info.Cluster.Leader, nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/errlog"
	"github.com/geometryos/daemon1/fleet"
	"github.com/geometryos/daemon1/store"
)

// fleetFlags are a fleet node's settings; fleet mode is on when Node is
// named.
type fleetFlags struct {
	fleet.Config
	routes        string
	natsDir       string
	writeTimeout  time.Duration
	snapshotEvery time.Duration
}

func addFleetFlags(fs *flag.FlagSet, f *fleetFlags) {
	fs.StringVar(&f.Node, "fleet-node", "", "run as the node `name` of a fleet (unique in it): the store follows the fleet's write log in NATS JetStream instead of an append-only file; empty: a single node")
	fs.StringVar(&f.URL, "nats-url", "", "an existing NATS cluster's `URLs` (comma-separated); empty: run nats-server in this process (-nats-listen, -nats-cluster, -nats-routes)")
	fs.StringVar(&f.Embedded.Listen, "nats-listen", "127.0.0.1:4222", "`host:port` of the embedded nats-server's clients")
	fs.StringVar(&f.Embedded.Cluster, "nats-cluster", "127.0.0.1:6222", "`host:port` the embedded nats-server takes its cluster routes on; empty: a fleet of one server")
	fs.StringVar(&f.Embedded.ClusterName, "nats-cluster-name", "daemon1", "the NATS cluster's `name`, the same on every node")
	fs.StringVar(&f.routes, "nats-routes", "", "the other nodes' -nats-cluster addresses, as nats://host:port, comma-separated")
	fs.StringVar(&f.natsDir, "nats-dir", "", "`directory` of the embedded nats-server's JetStream files (default: nats in -data-dir)")
	fs.StringVar(&f.Stream, "fleet-stream", "DAEMON1", "the write log's JetStream stream `name` (the error log's is this with _ERRORS)")
	fs.IntVar(&f.Replicas, "fleet-replicas", 3, "replicas of the fleet's streams (a write needs a majority of them)")
	fs.Uint64Var(&f.MaxLag, "fleet-max-lag", 1000, "batches of the write log a node may be behind before /readyz turns 503")
	fs.DurationVar(&f.writeTimeout, "fleet-write-timeout", 5*time.Second, "how long a write may wait for the fleet's log (a leader election takes 4 to 9 s); then it is answered 503 (not written) or 504 (outcome unknown)")
	fs.DurationVar(&f.snapshotEvery, "snapshot-every", 5*time.Minute, "how often a fleet node writes its snapshot (and when it stops), to restart from")
}

// fleetMode reports whether the flags make this process a fleet node.
func (f *fleetFlags) fleetMode() bool { return f.Node != "" }

// openFleet starts the node (its embedded nats-server, unless -nats-url),
// waits for the fleet's streams as long as ctx allows, and opens the store
// as a replica of the write log from the data directory's snapshot.
func openFleet(ctx context.Context, cfg config, set *metrics.Set, elog *errlog.Log) (*fleet.Node, *store.Replica, error) {
	f := cfg.fleet
	f.Logf = log.Printf
	if f.routes != "" {
		f.Embedded.Routes = strings.Split(f.routes, ",")
	}
	f.Embedded.StoreDir = f.natsDir
	if f.Embedded.StoreDir == "" {
		f.Embedded.StoreDir = filepath.Join(cfg.dataDir, "nats")
	}
	if f.Embedded.MaxPayload == 0 {
		f.Embedded.MaxPayload = fleet.DefaultMaxPayload
	}
	if os.Getenv("DAEMON1_TEST_FLEET_NO_EXPECTATION") == "1" {
		f.UnsafeNoExpectation = true
		log.Printf("daemon1: WARNING: DAEMON1_TEST_FLEET_NO_EXPECTATION=1: batches are published without their expected position, and nodes diverge (a test's negative control)")
	}
	node, err := fleet.Start(ctx, f.Config)
	if err != nil {
		return nil, nil, err
	}
	// A batch is cut at half a message; one write more must still fit.
	if need := 2 * cfg.server.Limits.MaxBodyBytes; int64(node.MaxBatch()) < need {
		node.Close()
		return nil, nil, fmt.Errorf("the fleet's NATS takes messages of up to %d bytes: -max-body %d needs max_payload of at least %d (set it in the NATS servers' configuration, or lower -max-body)",
			2*node.MaxBatch(), cfg.server.Limits.MaxBodyBytes, 2*need)
	}
	o := cfg.store
	o.Logf = log.Printf
	o.WriteTimeout = f.writeTimeout
	o.SnapshotEvery = f.snapshotEvery
	o.MaxBatchBytes = node.MaxBatch()
	rep, err := store.OpenReplica(cfg.dataDir, node, node.Follow, o)
	if err != nil {
		node.Close()
		return nil, nil, err
	}
	log.Printf("daemon1: fleet node %s: loaded %s (%s); following the write log from position %d",
		f.Node, filepath.Join(cfg.dataDir, store.SnapshotName), rep.Loaded, rep.Applied()+1)
	node.SetLoaded(rep.Applied())
	elog.SetForward(node.ForwardErrors)
	registerFleetMetrics(set, node, rep)
	return node, rep, nil
}

// registerFleetMetrics exposes where the node stands in the fleet's log.
func registerFleetMetrics(set *metrics.Set, node *fleet.Node, rep *store.Replica) {
	set.NewGauge("daemon1_fleet_applied_position", func() float64 { return float64(rep.Applied()) })
	set.NewGauge("daemon1_fleet_log_position", func() float64 { return float64(node.LastSeen()) })
	set.NewGauge("daemon1_fleet_lag_batches", func() float64 {
		if last, at := node.LastSeen(), rep.Applied(); last > at {
			return float64(last - at)
		}
		return 0
	})
	set.NewGauge("daemon1_fleet_ready", func() float64 {
		if node.Check(rep.Applied()) == "" {
			return 1
		}
		return 0
	})
	set.RegisterMetricsWriter(func(w io.Writer) {
		metrics.WriteCounterUint64(w, "daemon1_fleet_errors_forwarded_total", node.Forwarded.Load())
		metrics.WriteCounterUint64(w, "daemon1_fleet_errors_dropped_total", node.Dropped.Load())
	})
}

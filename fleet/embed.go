package fleet

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Embedded configures the nats-server a node runs in its own process.
type Embedded struct {
	Listen      string   // host:port for NATS clients; port 0: any
	ClusterName string   // the same on every node of the fleet
	Cluster     string   // host:port for the other servers' routes; "": a cluster of one
	Routes      []string // nats://host:port of the other servers' Cluster addresses
	StoreDir    string   // JetStream's files
	// MaxPayload bounds a message (a batch of writes, in bytes).
	MaxPayload int32
}

// startEmbedded starts a nats-server with JetStream that syncs every write
// to disk before acknowledging it (sync_interval: always): a fleet
// acknowledges nothing that a crash of all its machines at once could
// lose.
func startEmbedded(name string, e Embedded, timeout time.Duration) (*server.Server, error) {
	host, port, err := splitHostPort(e.Listen)
	if err != nil {
		return nil, fmt.Errorf("-nats-listen: %w", err)
	}
	o := &server.Options{
		ServerName: name, Host: host, Port: port,
		JetStream: true, StoreDir: e.StoreDir, SyncAlways: true,
		MaxPayload: e.MaxPayload,
		NoSigs:     true, NoLog: true,
	}
	if e.Cluster != "" {
		chost, cport, err := splitHostPort(e.Cluster)
		if err != nil {
			return nil, fmt.Errorf("-nats-cluster: %w", err)
		}
		o.Cluster = server.ClusterOpts{Name: e.ClusterName, Host: chost, Port: cport}
		if len(e.Routes) > 0 {
			o.Routes = server.RoutesFromStr(strings.Join(e.Routes, ","))
		}
	}
	s, err := server.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("embedded nats-server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(timeout) {
		s.Shutdown()
		return nil, fmt.Errorf("embedded nats-server did not start in %s (ports %s, %s)", timeout, e.Listen, e.Cluster)
	}
	return s, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	if port == 0 {
		port = -1 // nats-server's "any free port"
	}
	return host, port, nil
}

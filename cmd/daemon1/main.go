// Command daemon1 is Geometry OS's request daemon (see README.md); "daemon1
// load" loads a file of GeoJSON features into a running one.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/geometryos/daemon1/api"
	"github.com/geometryos/daemon1/errlog"
	"github.com/geometryos/daemon1/internal/report"
	"github.com/geometryos/daemon1/retry"
	"github.com/geometryos/daemon1/server"
	"github.com/geometryos/daemon1/store"
)

type config struct {
	version        bool
	cpuProfile     string
	trace          string
	engine         string
	drainTimeout   time.Duration
	server         server.Options
	log            errlog.Options
	logRate        int
	pushURL        string
	pushInterval   time.Duration
	reportInterval time.Duration
	authTokenFile  string
	authMetrics    bool
	insecure       bool
	features       api.Options
	dataDir        string
	fsync          string
	repair         bool
	store          store.Options
	fleet          fleetFlags
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := newFlagSet(&c)
	fs.SetOutput(io.Discard) // a mistake is returned, and said once by main
	fs.Usage = func() {
		if helpAsked(args) {
			fs.SetOutput(os.Stderr)
			fmt.Fprint(os.Stderr, "usage: daemon1 [flags]        serve (docs/operations.md)\n       daemon1 load -h        load a file of GeoJSON features into a running daemon1\n\n")
			fs.PrintDefaults()
		}
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return c, err
		}
		return c, fmt.Errorf("%w (daemon1 -h lists the flags)", err)
	}
	return c, c.check(fs)
}

// helpAsked reports whether args ask for the flags' list.
func helpAsked(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "--h":
			return true
		}
	}
	return false
}

// newFlagSet defines daemon1's flags into c.
func newFlagSet(c *config) *flag.FlagSet {
	d := server.DefaultLimits
	lim := &c.server.Limits
	fs := flag.NewFlagSet("daemon1", flag.ContinueOnError)
	fs.StringVar(&c.server.Addr, "listen", "127.0.0.1:8080", "`host:port` to serve HTTP and the binary protocol on")
	fs.StringVar(&c.engine, "engine", "gnet", "`engine`: gnet (the event loop) or fasthttp (fasthttp.Server, the baseline)")
	fs.IntVar(&c.server.Loops, "loops", 0, "event loops (gnet); 0 means one per CPU")
	fs.BoolVar(&c.server.ReusePort, "reuseport", false, "bind with SO_REUSEPORT so several processes can share the port (gnet)")
	fs.IntVar(&c.server.Workers, "workers", 256, "worker goroutines for routes that may block")
	fs.DurationVar(&c.server.Budget, "budget", 10*time.Millisecond, "time budget of each request, from its last byte")
	fs.Int64Var(&lim.MaxBodyBytes, "max-body", d.MaxBodyBytes, "largest request body in bytes (413 beyond)")
	fs.IntVar(&lim.MaxHeaderBytes, "max-header-bytes", d.MaxHeaderBytes, "largest request line and header block in bytes (431 beyond)")
	fs.IntVar(&lim.MaxHeaderFields, "max-header-fields", d.MaxHeaderFields, "most header fields in a request (431 beyond)")
	fs.IntVar(&lim.MaxTargetBytes, "max-target", d.MaxTargetBytes, "longest request target in bytes (414 beyond)")
	fs.DurationVar(&lim.HeaderTimeout, "header-timeout", d.HeaderTimeout, "time to send a whole header block, from its first byte (408 after)")
	fs.DurationVar(&lim.BodyTimeout, "body-timeout", d.BodyTimeout, "time to send a body, from the end of its header block (408 after)")
	fs.DurationVar(&lim.IdleTimeout, "idle-timeout", d.IdleTimeout, "time an idle keep-alive connection stays open")
	fs.DurationVar(&lim.WriteTimeout, "write-timeout", d.WriteTimeout, "time a client may leave responses unread before it is closed")
	fs.IntVar(&lim.MaxPipeline, "max-pipeline", d.MaxPipeline, "requests of one connection in progress before it stops being read")
	fs.IntVar(&lim.MaxPendingOutput, "max-pending-output", d.MaxPendingOutput, "unsent bytes of one connection before it stops being read")
	fs.IntVar(&lim.MaxInFlight, "max-inflight", d.MaxInFlight, "requests in progress in the process before no connection is read")
	fs.IntVar(&lim.MaxConns, "max-conns", 0, "connections open at once; more are closed as they are accepted (0: the descriptor limit less a tenth, kept for files)")
	fs.IntVar(&lim.MaxConnsPerIP, "max-conns-per-ip", 0, "connections open at once from one client IP (0: half of -max-conns)")
	fs.StringVar(&c.log.Dir, "log-dir", "", "`directory` of the error log (errors.jsonl, rotated); empty: logs in -data-dir")
	fs.IntVar(&c.log.MaxSizeMB, "log-max-size", 100, "rotate the error log when it passes this many `MB`")
	fs.IntVar(&c.log.MaxBackups, "log-max-backups", 10, "compressed error-log backups to keep")
	fs.IntVar(&c.log.MaxAgeDays, "log-max-age", 30, "`days` to keep error-log backups")
	fs.DurationVar(&c.log.RotateEvery, "log-rotate-every", 24*time.Hour, "start a new error-log file this often, however small")
	fs.IntVar(&c.logRate, "log-rate", server.DefaultErrorsPerSecond, "error-log entries of one kind written a second; the rest are counted (daemon1_errors_unlogged_total) and summarized")
	fs.StringVar(&c.pushURL, "metrics.push.url", "", "push metrics to this VictoriaMetrics `URL` (e.g. http://127.0.0.1:8428/api/v1/import/prometheus); empty: no push")
	fs.DurationVar(&c.pushInterval, "metrics.push.interval", 10*time.Second, "how often to push metrics")
	fs.DurationVar(&c.reportInterval, "report.interval", time.Minute, "how often to log a one-line summary (req/s, p99, errors, overruns); 0: never")
	fs.StringVar(&c.dataDir, "data-dir", "data", "`directory` of the append-only file ("+store.FileName+")")
	fs.StringVar(&c.fsync, "fsync", "always", "when writes are made durable: always (before each answer, group-committed), everysec, or no")
	fs.BoolVar(&c.repair, "aof-repair", false, "start even if the append-only file has a bad record in the middle: keep the records before it and move the rest aside")
	fs.Float64Var(&c.store.RewriteRatio, "aof-rewrite-ratio", 2, "compact the append-only file when it is this many times its size after the last compaction")
	fs.Int64Var(&c.store.RewriteMinSize, "aof-rewrite-min-size", 64<<20, "compact the append-only file only once it has at least this many `bytes` (and has grown by -aof-rewrite-ratio)")
	fs.DurationVar(&c.store.WriteTimeout, "aof-write-timeout", 2*time.Second, "how long a write to the append-only file is retried")
	fs.DurationVar(&c.store.KeyTTL, "idempotency-ttl", store.DefaultKeyTTL, "how long the answer of a POST with an Idempotency-Key is kept for its retries")
	fs.IntVar(&c.store.MaxKeys, "idempotency-keys", store.DefaultMaxKeys, "most Idempotency-Keys kept (the oldest are forgotten first)")
	fs.StringVar(&c.authTokenFile, "auth-token-file", "", "`file` holding the bearer token that writes and /admin/* must carry (reads stay open); empty: none needs it")
	fs.BoolVar(&c.authMetrics, "auth-metrics", false, "/metrics needs the -auth-token-file token too (give the scraper the token: Prometheus' authorization.credentials_file)")
	fs.BoolVar(&c.insecure, "insecure-no-auth", false, "allow listening on a non-loopback address without -auth-token-file")
	fs.IntVar(&c.features.MaxBulk, "max-bulk", api.DefaultMaxBulk, "most features in one bulk insert (413 beyond)")
	fs.IntVar(&c.features.MaxVertices, "max-vertices", store.DefaultMaxVertices, "most positions in one geometry, of a feature or a search (422 beyond)")
	fs.DurationVar(&c.features.BulkBudget, "bulk-budget", api.DefaultBulkBudget, "budget of POST /collections/{c}/items, which may be a bulk insert (all or nothing)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to `file` (for go tool pprof)")
	fs.StringVar(&c.trace, "trace", "", "write an execution trace of the whole run to `file` (for go tool trace; large: minutes, not hours)")
	fs.DurationVar(&c.drainTimeout, "drain-timeout", 10*time.Second, "how long a graceful stop waits for requests in progress")
	fs.BoolVar(&c.version, "version", false, "print the version (module version, VCS revision, Go release) and exit")
	addFleetFlags(fs, &c.fleet)
	return fs
}

// check validates the parsed flags and fills what derives from them.
func (c *config) check(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.authTokenFile == "" && !c.insecure && !isLoopback(c.server.Addr) {
		return fmt.Errorf("-listen %s is not a loopback address: give -auth-token-file so that writes need a token, or -insecure-no-auth to accept anyone's writes", c.server.Addr)
	}
	if c.log.Dir == "" {
		c.log.Dir = filepath.Join(c.dataDir, "logs")
	}
	// Absolute, so that the log says where the files are whatever the
	// working directory was.
	var err error
	if c.dataDir, err = filepath.Abs(c.dataDir); err != nil {
		return err
	}
	if c.log.Dir, err = filepath.Abs(c.log.Dir); err != nil {
		return err
	}
	if c.store.Fsync, err = store.ParseFsync(c.fsync); err != nil {
		return err
	}
	if c.store.RewriteRatio <= 1 {
		return fmt.Errorf("-aof-rewrite-ratio must be above 1, not %g", c.store.RewriteRatio)
	}
	c.features.Tokens = c.fleet.fleetMode()
	if c.pushURL != "" && c.pushInterval <= 0 {
		return fmt.Errorf("-metrics.push.interval must be positive, not %s", c.pushInterval)
	}
	return nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "load" {
		os.Exit(runLoad(os.Args[2:], os.Stderr))
	}
	log.SetFlags(log.LstdFlags | log.Lmicroseconds | log.LUTC)
	cfg, err := parseFlags(os.Args[1:])
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		log.Fatalf("daemon1: %v", err)
	}
	if cfg.version {
		fmt.Println(readBuildInfo())
		return
	}
	os.Exit(run(cfg))
}

func run(cfg config) int {
	started := time.Now()
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			log.Printf("daemon1: cannot profile: %v", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.trace != "" {
		f, err := os.Create(cfg.trace)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			log.Printf("daemon1: cannot trace: %v", err)
			return 2
		}
		defer trace.Stop()
	}
	var draining atomic.Bool
	set := metrics.NewSet()
	build := readBuildInfo()
	build.register(set)
	log.Printf("daemon1: %s; data directory %s, error log in %s", build, cfg.dataDir, cfg.log.Dir)
	obs := server.NewObserver(set)
	obs.SetErrorRate(cfg.logRate)
	retrier := &retry.Retrier{Hooks: obs.RetryHooks()}
	cfg.log.Retrier = retrier
	cfg.log.Logf = log.Printf
	elog, err := errlog.Open(cfg.log)
	if err != nil {
		log.Printf("daemon1: %v", err)
		return 1
	}
	defer func() {
		if err := elog.Close(); err != nil {
			log.Printf("daemon1: closing the error log: %v", err)
		}
	}()
	obs.AttachLog(elog)

	token, err := readToken(cfg.authTokenFile)
	if err != nil {
		log.Printf("daemon1: %v", err)
		return 2
	}
	cfg.features.Auth = api.NewAuth(token)

	storeFigures := newStoreMetrics(set, cfg.dataDir)
	router := server.NewRouter(obs)
	health := api.NewHealth(draining.Load)
	health.Register(router)
	ops := api.NewOps(obs)
	ops.Protect(cfg.features.Auth, cfg.authMetrics)
	ops.Register(router)
	features := api.NewFeatures(cfg.features)
	features.Register(router)
	cfg.server.Logf = log.Printf
	cfg.server.Busy = features.Busy

	srv, err := server.NewServer(cfg.engine, router, cfg.server)
	if err != nil {
		log.Printf("daemon1: %v", err)
		return 2
	}
	if err := srv.Start(); err != nil {
		log.Printf("daemon1: %v", err)
		return 1
	}
	// From here a signal drains: one that comes while the file replays
	// waits for the replay to end (the fleet's start gives up instead),
	// and none is lost between "serving on" and the wait for it.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	// /readyz is 503 and the API answers 503 until the store is loaded.
	var st *store.Store
	if cfg.fleet.fleetMode() {
		log.Printf("daemon1: listening on %s (engine %s); joining the fleet as %s", srv.Addr(), cfg.engine, cfg.fleet.Node)
		start, stopStart := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		node, rep, err := openFleet(start, cfg, obs.Set(), elog)
		stopStart()
		if err != nil {
			log.Printf("daemon1: %v", err)
			srv.Drain(time.Second)
			return 1
		}
		defer node.Close() // after the store's snapshot
		defer func() {
			if err := rep.Close(); err != nil {
				log.Printf("daemon1: writing the snapshot: %v", err)
			}
		}()
		st = rep.Store
		ops.SetFleet(node.RecentErrors)
		health.SetCheck(func() string {
			if reason := rep.ReadOnly(); reason != "" {
				return reason
			}
			return node.Check(rep.Applied())
		})
	} else {
		if aof := filepath.Join(cfg.dataDir, store.FileName); fileExists(aof) {
			log.Printf("daemon1: listening on %s (engine %s); replaying %s", srv.Addr(), cfg.engine, aof)
		} else {
			log.Printf("daemon1: listening on %s (engine %s); %s does not exist: starting with an empty store", srv.Addr(), cfg.engine, aof)
		}
		db, err := openStore(cfg, obs, retrier)
		if err != nil {
			log.Printf("daemon1: %v", err)
			srv.Drain(time.Second)
			return 1
		}
		defer func() {
			if err := db.Close(); err != nil {
				log.Printf("daemon1: closing the append-only file: %v", err)
			}
		}()
		st = db.Store
		health.SetCheck(db.ReadOnly)
	}
	features.SetStore(st)
	storeFigures.opened(st)
	health.SetReady(true)
	log.Printf("daemon1: serving on %s (engine %s) after %s", srv.Addr(), cfg.engine, time.Since(started).Round(time.Microsecond))

	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	if cfg.reportInterval > 0 {
		go report.Summarize(bg, obs, cfg.reportInterval, log.Printf)
	}
	if cfg.pushURL != "" {
		p := &report.Pusher{URL: cfg.pushURL, Interval: cfg.pushInterval, Set: set, Retrier: retrier}
		go p.Run(bg)
	}

	s, alive := awaitStop(sig, srv.Done())
	if !alive {
		// A process that no longer serves must not look alive to its
		// supervisor: exit, and be restarted.
		log.Printf("daemon1: the %s engine stopped serving on its own: exiting", cfg.engine)
		return 1
	}
	log.Printf("daemon1: %s: draining (up to %s)", s, cfg.drainTimeout)
	draining.Store(true)
	stopStart := time.Now()
	left, err := srv.Drain(cfg.drainTimeout)
	if err != nil {
		log.Printf("daemon1: stop: %v", err)
		return 1
	}
	stopBackground()
	log.Printf("daemon1: stopped in %s (%d connections still open at the deadline)", time.Since(stopStart).Round(time.Millisecond), left)
	return 0
}

// awaitStop waits for a signal to stop, or for the engine to stop serving
// on its own (alive is then false).
func awaitStop(sig <-chan os.Signal, engineDone <-chan struct{}) (s os.Signal, alive bool) {
	select {
	case s = <-sig:
		return s, true
	case <-engineDone:
		return nil, false
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// fsyncBounds are daemon1_aof_fsync_seconds' buckets: from a fast SSD's
// fsync to one slow enough to miss the budget many times over.
var fsyncBounds = []float64{50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1}

// openStore replays the data directory's append-only file.
func openStore(cfg config, obs *server.Observer, retrier *retry.Retrier) (*store.Durable, error) {
	cfg.store.Logf = log.Printf
	cfg.store.OnSync = obs.Set().NewPrometheusHistogramExt("daemon1_aof_fsync_seconds", fsyncBounds).Update
	if os.Getenv("DAEMON1_TEST_ACK_BEFORE_DURABLE") == "1" {
		cfg.store.AckBeforeDurable = true
		log.Printf("daemon1: WARNING: DAEMON1_TEST_ACK_BEFORE_DURABLE=1: writes are acknowledged before they are durable (a test's negative control)")
	}
	db, err := store.Open(cfg.dataDir, cfg.repair, cfg.store, retrier)
	if err != nil {
		return nil, err
	}
	log.Printf("daemon1: %s", db.Replay)
	return db, nil
}

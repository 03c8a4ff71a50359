package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/geometryos/daemon1/internal/load"
)

const loadUsage = `usage: daemon1 load -collection NAME [flags] FILE

Loads the GeoJSON features of FILE ("-": standard input) into a collection
of a running daemon1, made if missing: a FeatureCollection of any size, a
GeoJSON text sequence (RFC 8142), or newline-delimited GeoJSON (GDAL's
GeoJSONSeq). Run it again after it was stopped: features already loaded are
skipped (-if-exists skip, the default).

`

// runLoad is the daemon1 load subcommand; it returns the exit code.
func runLoad(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("daemon1 load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, loadUsage)
		fs.PrintDefaults()
	}
	var o load.Options
	var tokenFile string
	var quiet bool
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "`host:port` of the daemon1 (its -listen)")
	fs.StringVar(&o.Collection, "collection", "", "the collection to load into (made if missing)")
	fs.StringVar(&o.Protocol, "protocol", "binary", "binary (the pipelined protocol) or http (REST; keeps numeric ids as numbers)")
	fs.StringVar(&o.IfExists, "if-exists", "skip", "a feature whose id is taken: skip it (a run again goes on where it stopped), replace it, or fail")
	fs.StringVar(&o.IDPrefix, "id-prefix", "", "name a feature without an id `prefix` + its position in the input, so that a second run knows it (otherwise the server names it, and a second run loads it again)")
	fs.StringVar(&tokenFile, "token-file", "", "`file` holding the bearer token of the daemon1's -auth-token-file")
	fs.IntVar(&o.Batch, "batch", 5000, "most features a request (the daemon1's -max-bulk is 10,000 by default)")
	fs.IntVar(&o.BatchBytes, "batch-bytes", 2<<20, "most `bytes` a request (under the daemon1's -max-body; a 413 halves the request)")
	fs.IntVar(&o.Workers, "workers", 4, "requests in flight at once")
	fs.DurationVar(&o.RetryFor, "retry-for", 2*time.Minute, "how long a request is retried while the daemon1 is unreachable or overloaded")
	fs.BoolVar(&quiet, "quiet", false, "no progress, only the summary")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if o.Collection == "" || fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	token, err := readToken(tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "daemon1 load: %v\n", err)
		return 2
	}
	o.Token = token
	in, total, err := openInput(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "daemon1 load: %v\n", err)
		return 2
	}
	defer in.Close()
	if !quiet {
		o.Progress, o.ProgressEvery = progressTo(stderr, total)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	st, err := load.Run(ctx, in, o)
	fmt.Fprintf(stderr, "daemon1 load: %s\n", st.Summary(o.Collection))
	if err != nil {
		fmt.Fprintf(stderr, "daemon1 load: %v\n", err)
		return 1
	}
	return 0
}

// openInput opens a file, or standard input for "-", and returns its size
// when known (a regular file), for the progress.
func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return f, size, nil
}

// progressTo draws the progress on w: one line redrawn in place on a
// terminal, a line every 10 s otherwise (a log).
func progressTo(w io.Writer, total int64) (func(load.Stats), time.Duration) {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return func(s load.Stats) {
				end := ""
				if s.Done {
					end = "\n"
				}
				fmt.Fprintf(w, "\r\x1b[K%s%s", s.Line(total), end)
			}, 200 * time.Millisecond
		}
	}
	return func(s load.Stats) {
		if !s.Done {
			fmt.Fprintf(w, "daemon1 load: %s\n", s.Line(total))
		}
	}, 10 * time.Second
}

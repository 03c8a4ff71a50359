package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/geometryos/daemon1/client"
)

// pipelineUntilGone has writers pipeline puts over the binary protocol,
// 200 in flight each, until the daemon goes away, and records each
// acknowledged one.
func pipelineUntilGone(t *testing.T, addr string, writers int, a *acks) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range writers {
		c, err := client.Dial(context.Background(), addr, client.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			ctx := context.Background()
			for i := 0; ; i += 200 {
				ids := make([]string, 200)
				calls := make([]*client.Call, 200)
				for j := range calls {
					ids[j] = fmt.Sprintf("b%d-%d", w, i+j)
					calls[j] = c.PutAsync(ctx, "c", client.Feature{ID: ids[j], Geometry: client.Point(float64(j%360)-180, 0),
						Properties: []byte(fmt.Sprintf(`{"n":%d}`, i+j))}, 0)
				}
				failed := false
				for j, call := range calls {
					if call.Wait(ctx) == nil {
						a.add(ids[j], i+j)
					} else {
						failed = true
					}
				}
				if failed {
					return // the daemon is gone: the client would only redial in vain
				}
			}
		}()
	}
	return &wg
}

// binaryCrashRounds is crashRounds for pipelined binary puts.
func binaryCrashRounds(t *testing.T, env []string, rounds int) (acked int, missing []string) {
	return crashRoundsUnder(t, env, rounds, func(p *proc, a *acks) *sync.WaitGroup {
		return pipelineUntilGone(t, p.addr, 4, a)
	})
}

// Every put acknowledged over the binary protocol before a SIGKILL, with
// hundreds in flight on each connection, is there after the restart.
func TestBinaryCrashLosesNoAcknowledgedFrame(t *testing.T) {
	acked, missing := binaryCrashRounds(t, nil, 3)
	t.Logf("%d pipelined binary puts acknowledged over 3 crashes, %d missing", acked, len(missing))
	if acked == 0 {
		t.Fatal("no put was acknowledged: the test proves nothing")
	}
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged puts lost, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
}

// Its negative control: acknowledging before durable must fail it.
func TestBinaryCrashTestCatchesEarlyAcks(t *testing.T) {
	acked, missing := binaryCrashRounds(t, []string{"DAEMON1_TEST_ACK_BEFORE_DURABLE=1"}, 2)
	t.Logf("acknowledging early: %d acknowledged, %d lost", acked, len(missing))
	if len(missing) == 0 {
		t.Fatal("the crash test found no loss although puts were acknowledged before they were durable")
	}
}

// A pipeline of 1,000 durable puts (-fsync always) shares fsyncs through
// the one committer: far fewer fsyncs than puts (about one per batch the
// committer finds waiting; the count is logged, and only "fewer than one
// per put" is asserted, since batching depends on the scheduler).
func TestBinaryPipelineSharesFsyncs(t *testing.T) {
	p := start(t, build(t), nil, "-data-dir", t.TempDir())
	defer p.stop()
	ctx := context.Background()
	c, err := client.Dial(ctx, p.addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.CreateCollection(ctx, "c", "", ""); err != nil {
		t.Fatal(err)
	}
	fsyncs := func() int {
		var n int
		fmt.Sscan(metricOf(t, p.addr, "daemon1_aof_fsync_seconds_count"), &n)
		return n
	}
	before := fsyncs()
	fs := make([]client.Feature, 1000)
	for i := range fs {
		fs[i] = client.Feature{ID: fmt.Sprint(i), Geometry: client.Point(float64(i%360)-180, 1)}
	}
	if _, _, err := c.PutAll(ctx, "c", fs); err != nil {
		t.Fatal(err)
	}
	n := fsyncs() - before
	t.Logf("1,000 pipelined puts: %d fsyncs", n)
	if n <= 0 || n >= 1000 {
		t.Fatalf("1,000 pipelined puts took %d fsyncs: want fewer than one per put (and some)", n)
	}
}

// A client that pipelines writes faster than the disk takes them is
// paused, not refused: 16 connections with 2,000 durable puts each in
// flight (32,000, past the committer's queue of 4,096) all succeed.
func TestPipelinedWritesArePausedNotRefused(t *testing.T) {
	p := start(t, build(t), nil, "-data-dir", t.TempDir())
	defer p.stop()
	ctx := context.Background()
	c0, err := client.Dial(ctx, p.addr, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c0.CreateCollection(ctx, "c", "", ""); err != nil {
		t.Fatal(err)
	}
	c0.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := client.Dial(ctx, p.addr, client.Options{Timeout: time.Minute})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			fs := make([]client.Feature, 2000)
			for i := range fs {
				fs[i] = client.Feature{ID: fmt.Sprintf("w%d-%d", w, i), Geometry: client.Point(float64(i%360)-180, 0)}
			}
			_, perPut, _ := c.PutAll(ctx, "c", fs)
			failed := 0
			var first error
			for _, err := range perPut {
				if err != nil {
					failed++
					first = err
				}
			}
			if failed > 0 {
				errs <- fmt.Errorf("writer %d: %d of 2000 puts failed, e.g. %v", w, failed, first)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

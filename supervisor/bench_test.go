package supervisor

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// crashAt makes the restart benchmark's actor panic; its next incarnation reports when it started.
type crashAt struct{ sent time.Time }

// BenchmarkRestart measures how long a trivial actor is down when it panics: from the message that makes it
// panic to its next incarnation's Started, through the kit's crash middleware, the supervisor's strategy and
// protoactor's restart. Back-off is off and logging disabled, so this is the machinery alone.
func BenchmarkRestart(b *testing.B) {
	downtimes := make(chan time.Duration, 1)
	var failedAt time.Time
	newActor := func() actor.Actor {
		return actorFunc(func(ctx actor.Context) {
			switch msg := ctx.Message().(type) {
			case *actor.Started:
				if !failedAt.IsZero() {
					downtimes <- time.Since(failedAt)
				}
			case *crashAt:
				failedAt = msg.sent
				panic("crash")
			}
		})
	}
	// A window of a nanosecond keeps the intensity from ever tripping.
	root := supervise("root", oneForOne, limits{maxRestarts: 1, within: time.Nanosecond}, worker("trivial", newActor))
	n, err := start(root, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = n.Stop(context.Background()) }()
	pid := n.pid("root/trivial")

	all := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		n.system.Root.Send(pid, &crashAt{sent: time.Now()})
		all = append(all, <-downtimes)
	}
	b.StopTimer()
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2]), "ns/restart-p50")
	b.ReportMetric(float64(all[len(all)*99/100]), "ns/restart-p99")
}

type actorFunc func(ctx actor.Context)

func (f actorFunc) Receive(ctx actor.Context) { f(ctx) }

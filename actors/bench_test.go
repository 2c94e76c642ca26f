package actors

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// hop is passed back and forth between two actors; each records how long the hop took.
type hop struct{ sent time.Time }

// BenchmarkHop measures the latency of one message from one actor to another, the unit every pipeline in the node
// pays per step. Each op is one round trip (two hops); hops are sequential, so this is latency, not throughput.
func BenchmarkHop(b *testing.B) {
	quiet := slog.New(slog.DiscardHandler)
	b.Run("protoactor", func(b *testing.B) {
		benchmarkHop(b, func(name string, p actor.Producer) *actor.Props { return actor.PropsFromProducer(p) })
	})
	b.Run("kit", func(b *testing.B) {
		benchmarkHop(b, func(name string, p actor.Producer) *actor.Props {
			return NewProps(name, p, WithLogger(quiet))
		})
	})
	b.Run("kit+faults", func(b *testing.B) {
		faults := NewFaultInjector() // no fault set: the cost of carrying the middleware
		benchmarkHop(b, func(name string, p actor.Producer) *actor.Props {
			return NewProps(name, p, WithLogger(quiet), WithFaults(faults))
		})
	})
	b.Run("kit+bounded", func(b *testing.B) {
		benchmarkHop(b, func(name string, p actor.Producer) *actor.Props {
			return NewProps(name, p, WithLogger(quiet), WithMailbox(Bounded(1024, DropOldest)))
		})
	})
}

func benchmarkHop(b *testing.B, props func(string, actor.Producer) *actor.Props) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	hops := b.N * 2
	latencies := [2][]time.Duration{make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)}
	done := make(chan struct{})
	var pids [2]*actor.PID
	for i := range pids {
		pids[i] = system.Root.Spawn(props("hopper", producer(func(ctx actor.Context) {
			if msg, ok := ctx.Message().(*hop); ok {
				latencies[i] = append(latencies[i], time.Since(msg.sent))
				if len(latencies[0])+len(latencies[1]) == hops {
					close(done)
					return
				}
				ctx.Send(pids[1-i], &hop{sent: time.Now()})
			}
		})))
	}
	b.ResetTimer()
	system.Root.Send(pids[0], &hop{sent: time.Now()})
	<-done
	b.StopTimer()
	all := slices.Concat(latencies[0], latencies[1])
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2]), "ns/hop-p50")
	b.ReportMetric(float64(all[len(all)*99/100]), "ns/hop-p99")
}

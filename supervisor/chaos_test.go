package supervisor

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/salamander-client/salamander/actors"
)

func TestChaosKillsRandomWorkersThatRestart(t *testing.T) {
	tt := newTestTree()
	root := supervise("root", oneForOne, quick,
		tt.worker("a"),
		supervise("sub", oneForOne, quick, tt.worker("b")),
	)
	n := startTree(t, root, actors.NewSeededFaultInjector(1))
	tt.rec.waitForAll(t, event{"a", "started", 1}, event{"b", "started", 1})

	var mu sync.Mutex
	killed := map[string]int{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- n.Chaos(ctx, ChaosOptions{Interval: 20 * time.Millisecond, Rand: rand.New(rand.NewPCG(1, 2)),
			OnKill: func(name string) {
				mu.Lock()
				killed[name]++
				mu.Unlock()
			}})
	}()
	// Idle workers die too: each kill sends its victim a message. Both must have died and come back.
	tt.rec.waitForAll(t, event{"a", "started", 2}, event{"b", "started", 2})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for name, kills := range killed {
		if name != "a" && name != "b" {
			t.Errorf("chaos killed %s, a supervisor", name)
		}
		if kills == 0 {
			t.Errorf("no kill of %s", name)
		}
	}
	if restarts(t, n, "a") == 0 || restarts(t, n, "b") == 0 {
		t.Errorf("restarts a=%d b=%d, want both", restarts(t, n, "a"), restarts(t, n, "b"))
	}
}

func TestChaosNeedsAFaultInjector(t *testing.T) {
	tt := newTestTree()
	n := startTree(t, supervise("root", oneForOne, quick, tt.worker("a")), nil)
	if err := n.Chaos(context.Background(), ChaosOptions{}); !errors.Is(err, ErrNoFaultInjector) {
		t.Fatalf("Chaos without an injector: %v, want ErrNoFaultInjector", err)
	}
}

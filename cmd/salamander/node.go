package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/debug"
	"github.com/salamander-client/salamander/logging"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/supervisor"
)

// shutdownTimeout bounds a graceful stop; past it the process exits with a failure rather than hang.
const shutdownTimeout = 30 * time.Second

// node is what runNode needs of *supervisor.Node; tests pass fakes.
type node interface {
	Stop(ctx context.Context) error
	Done() <-chan struct{}
	Err() error
	DebugHandler() http.Handler
}

type startFunc func(supervisor.Options) (node, error)

func startSupervisor(opts supervisor.Options) (node, error) {
	n, err := supervisor.Start(opts)
	if err != nil {
		return nil, err // not n: a nil *Node in a non-nil interface would look started
	}
	return n, nil
}

// runNode starts the supervision tree and the debug server, then waits for a signal or for the tree to give up.
// It returns the process's exit code.
func (a app) runNode(cfg config.Config, clock chainClock, start startFunc) int {
	logger := logging.New(a.stderr, cfg.Log.Level, cfg.Log.Format)
	logger.Info("Starting Salamander",
		"version", version(), "preset", params.PresetName, "network", cfg.Node.Network.String(),
		"data_dir", cfg.Node.DataDir, "genesis_time", clock.genesis.Format(time.RFC3339),
		"seconds_per_slot", clock.secondsPerSlot, "slots_per_epoch", clock.slotsPerEpoch)

	if err := os.MkdirAll(cfg.Node.DataDir, 0o700); err != nil {
		logger.Error("Cannot create the data directory", "err", err)
		return exitFailure
	}

	// Bound before the tree starts, so that a port in use costs nothing to report.
	var debugServer *debug.Server
	if cfg.Debug.Listen.IsValid() {
		var err error
		if debugServer, err = debug.Listen(cfg.Debug.Listen, logger); err != nil {
			logger.Error("Cannot start the debug server", "err", err)
			return exitFailure
		}
	}
	var faults *actors.FaultInjector
	if cfg.Debug.FaultInjection {
		faults = actors.NewFaultInjector()
		logger.Warn("Fault injection is on: anyone with access to the debug server can crash, delay or drop actors' messages")
	}

	n, err := start(supervisor.Options{
		Logger:         logger,
		Faults:         faults,
		GenesisTime:    clock.genesis,
		SecondsPerSlot: clock.secondsPerSlot,
		SlotsPerEpoch:  clock.slotsPerEpoch,
		Store:          storeConfig(cfg),
	})
	if err != nil {
		logger.Error("Cannot start the supervision tree", "err", err)
		if debugServer != nil {
			_ = debugServer.Shutdown(context.Background()) // only closes the listener: nothing was served
		}
		return exitFailure
	}

	var debugFailed <-chan error
	if debugServer != nil {
		debugFailed = debugServer.Serve(n.DebugHandler())
		logger.Info("Debug server listening", "url", "http://"+debugServer.Addr().String()+"/debug/actors")
	}
	logger.Info("Node running")

	code := a.supervise(n, logger, debugFailed)

	if debugServer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := debugServer.Shutdown(ctx); err != nil {
			logger.Warn("Debug server did not shut down cleanly", "err", err)
		}
		cancel()
	}
	if code == exitOK {
		logger.Info("Shutdown complete")
	}
	return code
}

// supervise waits for the node's end. The first signal stops the tree gracefully, children in reverse start
// order; a second one exits at once. A tree that gives up, or a failed debug server, makes the exit a failure.
func (a app) supervise(n node, logger *slog.Logger, debugFailed <-chan error) int {
	var (
		code       = exitOK
		done       = n.Done()
		stopResult <-chan error // set once shutdown has begun
		stopping   bool
		treeDone   bool
		stopDone   bool
	)
	beginStop := func() {
		stopping = true
		stopResult = stopAsync(n, shutdownTimeout)
	}
	for !treeDone || (stopping && !stopDone) {
		select {
		case sig := <-a.signals:
			if stopping {
				logger.Error("Second signal: exiting without waiting for a clean shutdown", "signal", sig.String())
				return exitForced
			}
			logger.Info("Shutting down", "signal", sig.String())
			beginStop()

		case err, open := <-debugFailed:
			debugFailed = nil
			if !open {
				continue
			}
			logger.Error("Debug server failed; shutting down", "err", err)
			code = exitFailure
			if !stopping {
				beginStop()
			}

		case err := <-stopResult:
			stopResult, stopDone = nil, true
			if err != nil {
				logger.Error("Shutdown failed", "err", err)
				return exitFailure
			}

		case <-done:
			done, treeDone = nil, true
			if err := n.Err(); err != nil {
				logger.Error("Supervision tree gave up", "err", err)
				code = exitFailure
			} else if !stopping {
				logger.Error("Supervision tree stopped without being asked to")
				code = exitFailure
			}
		}
	}
	return code
}

// stopAsync runs n.Stop on its own goroutine, so that supervise keeps listening for a second signal.
func stopAsync(n node, timeout time.Duration) <-chan error {
	result := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				result <- fmt.Errorf("stop panicked: %v", r)
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		result <- n.Stop(ctx)
	}()
	return result
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	rtdebug "runtime/debug"
	"time"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/debug"
	"github.com/salamander-client/salamander/logging"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/store"
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

// launch is what a command gives runNode besides the configuration.
type launch struct {
	// devGenesis, when set, lets a node whose database is empty and who has no start state run anyway, with the
	// slot clock's genesis at this time: salamander dev's devnet, for which no genesis state exists.
	devGenesis time.Time
	start      startFunc
	// chain, when set, configures the chain's actors once start-up found the chain: salamander dev's devnet, or
	// the network's chain salamander run follows (followChain).
	chain func(logger *slog.Logger, chain chainStart, storeCfg store.Config) (supervisor.ChainOptions, error)
	// noNetwork leaves the network off (salamander dev runs alone).
	noNetwork bool
	// chaos, when set, kills a random actor every chaos.Interval while the node runs (salamander dev --chaos).
	chaos *supervisor.ChaosOptions
}

// runNode prepares the database (see openChain), then starts the supervision tree and the debug server and waits
// for a signal or for the tree to give up. It returns the process's exit code.
func (a app) runNode(cfg config.Config, l launch) int {
	logger := logging.New(a.stderr, cfg.Log.Level, cfg.Log.Format)
	spec := cfg.Chain.Spec
	logger.Info("Starting Salamander",
		"version", version(), "preset", params.PresetName, "network", cfg.Node.Network.String(),
		"chain", cfg.Chain.String(), "data_dir", cfg.Node.DataDir)
	for _, w := range cfg.Chain.Warnings {
		logger.Warn("Chain config warning", "file", cfg.Node.ChainConfig, "key", w.Key, "warning", w.Message)
	}

	// Bound before anything slow, so that a port in use costs nothing to report.
	var debugServer *debug.Server
	if cfg.Debug.Listen.IsValid() {
		var err error
		if debugServer, err = debug.Listen(cfg.Debug.Listen, logger); err != nil {
			logger.Error("Cannot start the debug server", "err", err)
			return exitFailure
		}
	}
	closeDebugListener := func() {
		if debugServer != nil {
			_ = debugServer.Shutdown(context.Background()) // only closes the listener: nothing was served
		}
	}

	storeCfg := storeConfig(cfg)
	chain, code, ok := a.prepareChain(logger, cfg, storeCfg, l.devGenesis)
	if !ok {
		closeDebugListener()
		return code
	}

	var network supervisor.NetworkOptions
	if !l.noNetwork {
		network = networkOptions(cfg, chain, storeCfg)
	}
	var chainOpts supervisor.ChainOptions
	if l.chain != nil {
		var err error
		if chainOpts, err = l.chain(logger, chain, storeCfg); err != nil {
			logger.Error("Cannot set up the chain", "err", err)
			closeDebugListener()
			return exitFailure
		}
	}
	if network.Peers.Enabled() {
		if err := checkListen(cfg.P2P); err != nil {
			logger.Error("Cannot listen for peers", "err", err)
			closeDebugListener()
			return exitFailure
		}
	}
	if l.noNetwork {
		logger.Info("Network off: this node runs alone")
	} else {
		logNetwork(logger, network)
	}

	var faults *actors.FaultInjector
	if cfg.Debug.FaultInjection || l.chaos != nil {
		faults = actors.NewFaultInjector()
		logger.Warn("Fault injection is on: anyone with access to the debug server can crash, delay or drop actors' messages")
	}
	logger.Info("Starting the supervision tree", "genesis_time", chain.genesis.Format(time.RFC3339),
		"seconds_per_slot", spec.SecondsPerSlot, "slots_per_epoch", params.SlotsPerEpoch)
	n, err := l.start(supervisor.Options{
		Logger:         logger,
		Faults:         faults,
		GenesisTime:    chain.genesis,
		SecondsPerSlot: spec.SecondsPerSlot,
		SlotsPerEpoch:  params.SlotsPerEpoch,
		Store:          storeCfg,
		Network:        network,
		Chain:          chainOpts,
		Chaos:          l.chaos != nil,
	})
	if err != nil {
		logTreeFailure(logger, "Cannot start the supervision tree", cfg.Node.DataDir, err)
		closeDebugListener()
		return exitFailure
	}

	var debugFailed <-chan error
	if debugServer != nil {
		debugFailed = debugServer.Serve(n.DebugHandler())
		logger.Info("Debug server listening", "url", "http://"+debugServer.Addr().String()+"/debug/actors")
	}
	logger.Info("Node running")

	stopChaos := startChaos(n, l.chaos, logger)
	code = a.supervise(n, logger, debugFailed, cfg.Node.DataDir)
	stopChaos()

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

// prepareChain runs openChain on its own goroutine, so that a signal can cut a long checkpoint download short:
// the first cancels it and start-up ends with a clean exit; a second exits at once. ok is false when the node
// must not start; code is then the exit code.
func (a app) prepareChain(logger *slog.Logger, cfg config.Config, storeCfg store.Config, devGenesis time.Time) (chain chainStart, code int, ok bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		chain chainStart
		err   error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("Start-up panicked", "reason", fmt.Sprint(r), "stack", string(rtdebug.Stack()))
				done <- result{err: fmt.Errorf("start-up panicked: %v", r)}
			}
		}()
		chain, err := openChain(ctx, logger, cfg, storeCfg, devGenesis)
		done <- result{chain: chain, err: err}
	}()

	interrupted := false
	for {
		select {
		case r := <-done:
			switch {
			case interrupted:
				logger.Info("Shutdown complete")
				return chainStart{}, exitOK, false
			case r.err != nil:
				return chainStart{}, exitFailure, false
			}
			return r.chain, exitOK, true
		case sig := <-a.signals:
			if interrupted {
				logger.Error("Second signal: exiting without waiting for start-up to end", "signal", sig.String())
				return chainStart{}, exitForced, false
			}
			interrupted = true
			logger.Info("Shutting down before the node started", "signal", sig.String())
			cancel()
		}
	}
}

// supervise waits for the node's end. The first signal stops the tree gracefully, children in reverse start
// order; a second one exits at once. A tree that gives up, or a failed debug server, makes the exit a failure;
// a tree stopped by a fatal failure of the store is reported by its cause, with the data directory.
func (a app) supervise(n node, logger *slog.Logger, debugFailed <-chan error, dataDir string) int {
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
				logTreeFailure(logger, "Supervision tree gave up", dataDir, err)
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

// startChaos runs the chaos of salamander dev --chaos on n until the returned function is called; it does nothing
// for opts nil or a node that cannot (a test's fake).
func startChaos(n node, opts *supervisor.ChaosOptions, logger *slog.Logger) (stop func()) {
	chaotic, ok := n.(interface {
		Chaos(ctx context.Context, opts supervisor.ChaosOptions) error
	})
	if opts == nil || !ok {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	logger.Warn("Chaos is on: a random actor is killed every interval", "interval", opts.Interval)
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				logger.Error("Chaos panicked", "reason", fmt.Sprint(r), "stack", string(rtdebug.Stack()))
			}
		}()
		if err := chaotic.Chaos(ctx, *opts); err != nil {
			logger.Error("Chaos stopped", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

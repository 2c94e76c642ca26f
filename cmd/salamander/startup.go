package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
)

// errNoStartState means the database is empty and the configuration names no state to start from.
var errNoStartState = errors.New("the database is empty and no start state is configured")

// chainStart is what start-up found, or made, in the database.
type chainStart struct {
	// genesis is the genesis_time of the chain the database holds, for the slot clock.
	genesis time.Time
	// gvr is the chain's genesis validators root, which names it on the network (fork digests, ENR); only set
	// when hasChain is.
	gvr      primitives.Root
	hasChain bool
}

// startSource is where an empty database takes its first state from, by the configuration.
func startSource(cfg config.Config) checkpointsync.Source {
	return checkpointsync.Source{
		URL:          cfg.Sync.CheckpointSyncURL,
		StatePath:    cfg.Sync.CheckpointState,
		BlockPath:    cfg.Sync.CheckpointBlock,
		GenesisState: cfg.Node.GenesisState,
	}
}

// openChain prepares the database before the supervision tree starts:
//   - it opens it, so that a database the node cannot use (locked by another process, another network's, in a
//     read-only directory, corrupt) ends start-up at once with its cause, rather than failing the store actor;
//   - it resumes from the chain the database holds, contacting nobody; or it anchors an empty database by
//     checkpoint sync or on the genesis state; or, for devGenesis set, leaves it empty (salamander dev);
//   - it returns the chain's genesis time, for the slot clock.
//
// It logs each step and, unless ctx was cancelled, the failure that ends it, naming the cause. It closes the
// database again: the store actor, its one owner while the node runs, reopens it.
func openChain(ctx context.Context, logger *slog.Logger, cfg config.Config, storeCfg store.Config, devGenesis time.Time) (chainStart, error) {
	dataDir := storeCfg.DataDir
	opts := storeCfg.Options
	opts.Reader = nil // the store actor's readers attach when it opens the database
	db, err := store.Open(dataDir, opts)
	if err != nil {
		logStoreFailure(logger, "Cannot open the database", dataDir, err)
		return chainStart{}, fmt.Errorf("open database: %w", err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			logger.Warn("Closing the database after start-up failed", "data_dir", dataDir, "err", err)
		}
	}()

	src := startSource(cfg)
	_, err = db.Anchor()
	switch {
	case err == nil:
		logResume(logger, db, cfg, src)
	case !errors.Is(err, store.ErrNoAnchor):
		logStoreFailure(logger, "Cannot read the database", dataDir, err)
		return chainStart{}, fmt.Errorf("read database: %w", err)
	case src.IsZero() && !devGenesis.IsZero():
		logger.Info("Database is empty: the devnet runs without a chain", "path", db.Path())
		return chainStart{genesis: devGenesis}, nil
	case src.IsZero():
		logger.Error("Database is empty and no start state is configured: set [sync] checkpoint_sync_url, "+
			"[sync] checkpoint_state and checkpoint_block, or [node] genesis_state", "data_dir", dataDir)
		return chainStart{}, errNoStartState
	default:
		if err := anchor(ctx, logger, db, dataDir, cfg, src); err != nil {
			return chainStart{}, err
		}
	}

	id, ok, err := db.Identity()
	if err == nil && !ok {
		err = fmt.Errorf("%w: a chain without a network identity", store.ErrCorrupt)
	}
	if err != nil {
		logStoreFailure(logger, "Cannot read the database", dataDir, err)
		return chainStart{}, fmt.Errorf("read network identity: %w", err)
	}
	return chainStart{genesis: time.Unix(int64(id.GenesisTime), 0).UTC(), gvr: id.GenesisValidatorsRoot, hasChain: true}, nil
}

// anchor starts an empty database from src: a checkpoint, downloaded or read from files, or the genesis state.
func anchor(ctx context.Context, logger *slog.Logger, db *store.DB, dataDir string, cfg config.Config, src checkpointsync.Source) error {
	opts := checkpointsync.Options{Spec: cfg.Chain.Spec, Logger: logger}
	if ws := cfg.Sync.WeakSubjectivity; ws.Set {
		opts.WeakSubjectivity = &store.Checkpoint{Epoch: ws.Epoch, Root: ws.Root}
	}
	what := "Checkpoint sync"
	if src.URL == "" && src.StatePath == "" {
		what = "Start from the genesis state"
	}
	logger.Info(what, "source", src.String(), "path", db.Path())
	start := time.Now()
	res, err := checkpointsync.Sync(ctx, db, src, opts)
	switch {
	case err == nil:
		logger.Info(what+" complete", "slot", res.Anchor.StateSlot, "state_root", fmt.Sprintf("%#x", res.Anchor.StateRoot),
			"block_root", fmt.Sprintf("%#x", res.Anchor.BlockRoot), "took", time.Since(start).Round(time.Millisecond))
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s interrupted: %w", what, ctx.Err())
	case errors.Is(err, store.ErrDiskFailure), errors.Is(err, store.ErrNotWritable), errors.Is(err, store.ErrUnavailable):
		logStoreFailure(logger, what+" failed to write the database", dataDir, err)
	default:
		msg := what + " failed"
		switch check := checkpointsync.FailedCheck(err); check {
		case "":
		case "source":
			msg += ": cannot get the state"
		default:
			msg += ": " + check + " check"
		}
		logger.Error(msg, "source", src.String(), "check", checkpointsync.FailedCheck(err), "err", err)
	}
	return err
}

// logResume logs the chain the node resumes from, and that a configured start state goes unused.
func logResume(logger *slog.Logger, db *store.DB, cfg config.Config, src checkpointsync.Source) {
	attrs := []any{"path", db.Path()}
	if h, err := db.Head(); err == nil {
		attrs = append(attrs, "head_slot", h.Slot, "head_root", fmt.Sprintf("%#x", h.Root))
	}
	if f, err := db.Finalized(); err == nil {
		attrs = append(attrs, "finalized_epoch", f.Epoch, "finalized_root", fmt.Sprintf("%#x", f.Root))
	}
	logger.Info("Resuming from database", attrs...)
	if !src.IsZero() {
		logger.Info("Not using the configured start state: the database already holds a chain", "source", src.String())
	}
	if cfg.Sync.WeakSubjectivity.Set {
		logger.Warn("The weak subjectivity checkpoint is checked only when an empty database starts; it was not checked now",
			"weak_subjectivity_checkpoint", fmt.Sprintf("%#x:%d", cfg.Sync.WeakSubjectivity.Root, cfg.Sync.WeakSubjectivity.Epoch))
	}
}

// logStoreFailure logs a failure of the database by its cause, such as "Database failure: disk full", or under
// fallback when the store does not know it.
func logStoreFailure(logger *slog.Logger, fallback, dataDir string, err error) {
	msg := store.Describe(err)
	if msg == "" {
		msg = fallback
	}
	logger.Error(msg, "data_dir", dataDir, "err", err)
}

// logTreeFailure logs why the supervision tree stopped, or did not start: a fatal failure of the store by its
// cause, anything else under headline.
func logTreeFailure(logger *slog.Logger, headline, dataDir string, err error) {
	var disk *store.DiskFailure
	if errors.As(err, &disk) {
		logStoreFailure(logger, "Database failure", dataDir, err)
		return
	}
	logger.Error(headline, "err", err)
}

package store

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
)

// Actor is the store actor: the one owner of the database. Build its props with actors.NewProps.
//
// It is the node's disk worker: its Receive does the disk I/O other actors must not block on, one transaction at a
// time, and they reach it with actors.Request, which never blocks their own mailboxes. Reads that need no ordering
// with writes bypass it through the shared Reader.
//
// Failures. Bad input (a block with an unknown parent, a malformed blob, a regressing checkpoint) is answered
// with the error and changes nothing. A disk failure (a full disk, an I/O error, a file made read-only) is
// answered too, and then the actor fails with a *DiskFailure: bbolt makes no promise for the transaction after a
// failed commit, so the database is already closed and no later write can build on it. The file stays
// consistent (bbolt writes its meta page last). A failure to open (locked by another process, a read-only
// directory, another network's data directory) fails the actor in Started the same way. A DiskFailure is fatal
// (it matches actors.ErrFatal): a restart would meet the same disk, so the supervisors stop the node at once and
// its operator fixes the cause. Match the reason with errors.Is(reason, ErrDiskFailure), ErrLocked,
// ErrNotWritable, ErrWrongNetwork.
type Actor struct {
	cfg Config
	svc *service
}

// DiskFailure is the failure reason of the store actor when its database failed or could not be opened.
type DiskFailure struct {
	Op  string // what the actor was doing: "open", "commit", "prune"
	Err error
}

func (f *DiskFailure) Error() string { return fmt.Sprintf("store %s: %v", f.Op, f.Err) }

// Unwrap returns the cause, which matches the store's sentinels.
func (f *DiskFailure) Unwrap() error { return f.Err }

// Is makes every DiskFailure match actors.ErrFatal: supervisors stop the node instead of restarting the store.
func (f *DiskFailure) Is(target error) bool { return target == actors.ErrFatal }

// NewActor returns a store actor for cfg; it opens the database when it starts, and again after every restart.
func NewActor(cfg Config) actor.Actor {
	return &Actor{cfg: cfg}
}

// Receive maps messages to the service.
func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *PutBlock:
		reply := a.svc.putBlock(msg)
		ctx.Respond(reply)
		a.afterWrite(ctx, "commit", reply.Err, reply.FinalityAdvanced)
	case *UpdateForkChoice:
		reply := a.svc.updateForkChoice(msg)
		ctx.Respond(reply)
		a.afterWrite(ctx, "commit", reply.Err, reply.FinalityAdvanced)
	case *SetAnchor:
		reply := a.svc.setAnchor(msg)
		ctx.Respond(reply)
		if reply.Err == nil {
			ctx.Logger().Info("Anchored", "block_root", fmt.Sprintf("%#x", reply.Anchor.BlockRoot),
				"state_root", fmt.Sprintf("%#x", reply.Anchor.StateRoot), "slot", reply.Anchor.StateSlot)
		}
		a.afterWrite(ctx, "anchor", reply.Err, false)
	case *pruneDue:
		a.prune(ctx)
	case *GetBlock:
		reply := a.svc.getBlock(msg)
		ctx.Respond(reply)
		a.afterRead("read", reply.Err)
	case *GetState:
		reply := a.svc.getState(msg)
		ctx.Respond(reply)
		a.afterRead("read", reply.Err)
	case *LoadChainRequest:
		reply := a.svc.loadChain()
		ctx.Respond(reply)
		a.afterRead("read", reply.Err)
	case *StatusRequest:
		ctx.Respond(&StatusResponse{Status: a.svc.answerStatus()})
	case *actor.Stopping, *actor.Restarting:
		a.close(ctx)
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	}
}

func (a *Actor) start(ctx actor.Context) {
	svc, err := openService(a.cfg, time.Now())
	if err != nil {
		ctx.Logger().Error("Cannot open the database", "data_dir", a.cfg.DataDir, "err", err)
		panic(&DiskFailure{Op: "open", Err: err})
	}
	a.svc = svc
	attrs := []any{"path", svc.db.Path()}
	if h, err := svc.db.Head(); err == nil {
		f, _ := svc.db.Finalized()
		attrs = append(attrs, "head_slot", h.Slot, "head_root", fmt.Sprintf("%#x", h.Root), "finalized_epoch", f.Epoch)
	} else {
		attrs = append(attrs, "chain", "none yet")
	}
	ctx.Logger().Info("Started", attrs...)
}

// afterWrite schedules a prune when finality moved, and fails the actor when the disk failed.
func (a *Actor) afterWrite(ctx actor.Context, op string, err error, finalityAdvanced bool) {
	if err != nil {
		if fatal(err) {
			ctx.Logger().Error("Database write failed: stopping the store", "op", op, "err", err)
			panic(&DiskFailure{Op: op, Err: err})
		}
		ctx.Logger().Warn("Refused a write", "op", op, "err", err)
		return
	}
	if finalityAdvanced {
		ctx.Send(ctx.Self(), &pruneDue{})
	}
}

func (a *Actor) afterRead(op string, err error) {
	if err != nil && fatal(err) {
		panic(&DiskFailure{Op: op, Err: err})
	}
}

func (a *Actor) prune(ctx actor.Context) {
	start := time.Now()
	st, err := a.svc.prune()
	if err != nil {
		if fatal(err) {
			ctx.Logger().Error("Pruning failed: stopping the store", "err", err)
			panic(&DiskFailure{Op: "prune", Err: err})
		}
		ctx.Logger().Warn("Pruning failed", "err", err)
		return
	}
	size, _ := a.svc.db.FileSize()
	ctx.Logger().Debug("Pruned", "blocks", st.Blocks, "states", st.States, "file_size", size, "took", time.Since(start))
}

func (a *Actor) close(ctx actor.Context) {
	if a.svc == nil {
		return
	}
	if err := a.svc.close(); err != nil {
		ctx.Logger().Warn("Closing the database failed", "err", err)
	}
	a.svc = nil
}

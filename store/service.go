package store

import (
	"errors"
	"fmt"
	"time"
)

// Config is what the store actor is built with: where the database lives and how it is kept.
type Config struct {
	// DataDir is the node's data directory; the database is DataDir/beacon.db.
	DataDir string
	// Options of the database. Options.Reader should be the node's one Reader, shared with everyone who reads,
	// so that their reads keep working across restarts of the store actor.
	Options Options
}

// Status is what the store actor reports about itself.
type Status struct {
	Path      string
	OpenedAt  time.Time // when the answering incarnation opened the database
	Anchored  bool      // the database holds a chain
	Head      Head
	Finalized Checkpoint
	Commits   uint64 // blocks and fork-choice updates committed by this incarnation
	Pruned    PruneStats
	FileSize  int64
	Requests  uint64 // status requests answered by this incarnation, this one included
}

// service is the store actor's state, free of actor code: the open database and counters.
type service struct {
	db     *DB
	status Status
}

// openService opens the database of cfg and finishes a prune a crash interrupted.
func openService(cfg Config, now time.Time) (*service, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("store: no data directory configured")
	}
	db, err := Open(cfg.DataDir, cfg.Options)
	if err != nil {
		return nil, err
	}
	s := &service{db: db, status: Status{Path: db.Path(), OpenedAt: now}}
	if need, err := db.NeedsPrune(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: %w", err)
	} else if need {
		if _, err := s.prune(); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *service) close() error { return s.db.Close() }

func (s *service) putBlock(m *PutBlock) *BlockPut {
	res, err := s.db.Commit(&Batch{
		Block:     &BlockBlob{Root: m.Root, Slot: m.Slot, ParentRoot: m.ParentRoot, SSZ: m.SSZ},
		States:    m.States,
		Head:      m.Head,
		Justified: m.Justified,
		Finalized: m.Finalized,
	})
	if err != nil {
		return &BlockPut{Root: m.Root, Err: err}
	}
	s.status.Commits++
	return &BlockPut{Root: m.Root, Head: res.Head, Reorged: res.Reorged, FinalityAdvanced: res.FinalityAdvanced}
}

func (s *service) updateForkChoice(m *UpdateForkChoice) *ForkChoiceUpdated {
	res, err := s.db.Commit(&Batch{States: m.States, Head: m.Head, Justified: m.Justified, Finalized: m.Finalized})
	if err != nil {
		return &ForkChoiceUpdated{Err: err}
	}
	s.status.Commits++
	return &ForkChoiceUpdated{Head: res.Head, Reorged: res.Reorged, FinalityAdvanced: res.FinalityAdvanced}
}

func (s *service) setAnchor(m *SetAnchor) *AnchorSet {
	if err := s.db.SetAnchor(AnchorInput{Block: m.Block, State: m.State}); err != nil {
		return &AnchorSet{Err: err}
	}
	a, err := s.db.Anchor()
	return &AnchorSet{Anchor: a, Err: err}
}

func (s *service) getBlock(m *GetBlock) *BlockResponse {
	summary, err := s.db.BlockSummary(m.Root)
	if err != nil {
		return &BlockResponse{Err: err}
	}
	ssz, err := s.db.Block(m.Root)
	return &BlockResponse{Block: StoredBlock{BlockSummary: summary, SSZ: ssz}, Err: err}
}

func (s *service) getState(m *GetState) *StateResponse {
	summary, err := s.db.StateSummary(m.Root)
	if err != nil {
		return &StateResponse{Err: err}
	}
	ssz, err := s.db.State(m.Root)
	return &StateResponse{Summary: summary, SSZ: ssz, Err: err}
}

func (s *service) loadChain() *ChainResponse {
	ch, err := s.db.LoadChain()
	return &ChainResponse{Chain: ch, Err: err}
}

func (s *service) prune() (PruneStats, error) {
	st, err := s.db.Prune()
	if err != nil {
		return st, err
	}
	s.status.Pruned.Blocks += st.Blocks
	s.status.Pruned.States += st.States
	return st, nil
}

// answerStatus counts a status request and returns the status that answers it.
func (s *service) answerStatus() Status {
	s.status.Requests++
	st := s.status
	if h, err := s.db.Head(); err == nil {
		st.Anchored, st.Head = true, h
	}
	if f, err := s.db.Finalized(); err == nil {
		st.Finalized = f
	}
	if size, err := s.db.FileSize(); err == nil {
		st.FileSize = size
	}
	return st
}

// fatal tells whether err means the database can no longer be trusted to take writes: the node must stop.
func fatal(err error) bool {
	return errors.Is(err, ErrDiskFailure) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrCorrupt)
}

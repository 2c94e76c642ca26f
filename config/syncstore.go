package config

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/salamander-client/salamander/primitives"
)

// SyncConfig is the [sync] section: where a node with an empty database takes its first state from.
type SyncConfig struct {
	// CheckpointSyncURL is a Beacon API to download the finalized state and its block from; "" for none.
	CheckpointSyncURL string
	// CheckpointState and CheckpointBlock are SSZ files of a finalized state and its block; both or neither.
	CheckpointState string
	CheckpointBlock string
	// WeakSubjectivity is a checkpoint the user trusts; the anchor must be on its chain. Zero Epoch and Root
	// when unset (Set false).
	WeakSubjectivity WeakSubjectivityCheckpoint
}

// WeakSubjectivityCheckpoint is a trusted checkpoint, written "0x<block root>:<epoch>".
type WeakSubjectivityCheckpoint struct {
	Set   bool
	Root  primitives.Root
	Epoch primitives.Epoch
}

// StoreConfig is the [store] section.
type StoreConfig struct {
	// ColdStateEpochs keeps one finalized state per this many epochs.
	ColdStateEpochs uint64
	// HistoryEpochs, when non-zero, deletes finalized blocks and states older than this many epochs.
	HistoryEpochs uint64
}

// syncStoreOptions are the [sync] and [store] keys, in the order of the example file.
func syncStoreOptions() []option {
	return []option{
		{
			key: "sync.checkpoint_sync_url", flag: "checkpoint-sync-url", kind: kindString, def: "",
			usage: `Beacon API URL to checkpoint-sync an empty database from; "" for none`,
			set: func(c *Config, raw any) error {
				s, err := stringOf(raw)
				if err != nil || s == "" {
					return err
				}
				u, err := url.Parse(s)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return want("an http:// or https:// URL such as http://127.0.0.1:5052")
				}
				c.Sync.CheckpointSyncURL = strings.TrimRight(s, "/")
				return nil
			},
		},
		{
			key: "sync.checkpoint_state", flag: "checkpoint-state", kind: kindString, def: "",
			usage: `SSZ file of a finalized BeaconState to start an empty database from; "" for none`,
			set: func(c *Config, raw any) error {
				p, err := optionalPath(raw)
				c.Sync.CheckpointState = p
				return err
			},
		},
		{
			key: "sync.checkpoint_block", flag: "checkpoint-block", kind: kindString, def: "",
			usage: `SSZ file of the SignedBeaconBlock of checkpoint_state; "" for none`,
			set: func(c *Config, raw any) error {
				p, err := optionalPath(raw)
				c.Sync.CheckpointBlock = p
				return err
			},
		},
		{
			key: "sync.weak_subjectivity_checkpoint", flag: "weak-subjectivity-checkpoint", kind: kindString, def: "",
			usage: `trusted checkpoint "0x<block root>:<epoch>" the start state must be on; "" for none`,
			set: func(c *Config, raw any) error {
				s, err := stringOf(raw)
				if err != nil || s == "" {
					return err
				}
				ws, err := parseWeakSubjectivity(s)
				c.Sync.WeakSubjectivity = ws
				return err
			},
		},
		{
			key: "store.cold_state_epochs", flag: "store-cold-state-epochs", kind: kindString, def: "256",
			usage: "keep one finalized state per this many epochs",
			set: func(c *Config, raw any) error {
				n, err := uintOf(raw)
				if err == nil && n == 0 {
					err = want("at least 1")
				}
				c.Store.ColdStateEpochs = n
				return err
			},
		},
		{
			key: "store.history_epochs", flag: "store-history-epochs", kind: kindString, def: "0",
			usage: "delete finalized blocks and states older than this many epochs; 0 keeps everything",
			set: func(c *Config, raw any) error {
				n, err := uintOf(raw)
				c.Store.HistoryEpochs = n
				return err
			},
		},
	}
}

// checkSync reports [sync] keys, and node.genesis_state, that rule each other out.
func checkSync(c *Config, origin map[string]string) []error {
	s := c.Sync
	var errs []error
	if (s.CheckpointState == "") != (s.CheckpointBlock == "") {
		key, value, missing := "sync.checkpoint_state", s.CheckpointState, "sync.checkpoint_block"
		if s.CheckpointState == "" {
			key, value, missing = "sync.checkpoint_block", s.CheckpointBlock, "sync.checkpoint_state"
		}
		errs = append(errs, &ValueError{Source: origin[key], Key: key, Value: value,
			Reason: fmt.Errorf("%w: %s is not set: checkpoint_state and checkpoint_block go together", ErrConflict, missing)})
	}
	if s.CheckpointSyncURL != "" && s.CheckpointState != "" {
		errs = append(errs, &ValueError{Source: origin["sync.checkpoint_sync_url"], Key: "sync.checkpoint_sync_url", Value: s.CheckpointSyncURL,
			Reason: fmt.Errorf("%w: checkpoint_state and checkpoint_block are set too: choose a URL or files", ErrConflict)})
	}
	// An empty database starts from one state: silently preferring one of two would hide a mistake.
	if g := c.Node.GenesisState; g != "" && (s.CheckpointSyncURL != "" || s.CheckpointState != "") {
		errs = append(errs, &ValueError{Source: origin["node.genesis_state"], Key: "node.genesis_state", Value: g,
			Reason: fmt.Errorf("%w: checkpoint sync ([sync]) is set too: a node starts from genesis or from a checkpoint", ErrConflict)})
	}
	return errs
}

// uintOf accepts TOML integers and, from the environment and flags, decimal strings.
func uintOf(raw any) (uint64, error) {
	switch v := raw.(type) {
	case int64:
		if v >= 0 {
			return uint64(v), nil
		}
	case string:
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, want("a whole number")
}

func optionalPath(raw any) (string, error) {
	s, err := stringOf(raw)
	if err != nil || s == "" {
		return "", err
	}
	return expandFile(s)
}

// expandFile makes a file path absolute, expanding a leading "~/" like data_dir.
func expandFile(p string) (string, error) {
	abs, err := expandPath(p)
	if err != nil {
		return "", want("a file path")
	}
	return abs, nil
}

func parseWeakSubjectivity(s string) (WeakSubjectivityCheckpoint, error) {
	const format = `"0x<block root>:<epoch>", e.g. "0x` + "4ff1..." + `:12345"`
	rootHex, epochText, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || !strings.HasPrefix(rootHex, "0x") {
		return WeakSubjectivityCheckpoint{}, want(format)
	}
	raw, err := hex.DecodeString(rootHex[2:])
	if err != nil || len(raw) != len(primitives.Root{}) {
		return WeakSubjectivityCheckpoint{}, want(format + " with a root of 64 hex digits")
	}
	epoch, err := strconv.ParseUint(epochText, 10, 64)
	if err != nil {
		return WeakSubjectivityCheckpoint{}, want(format + " with a decimal epoch")
	}
	return WeakSubjectivityCheckpoint{Set: true, Root: primitives.Root(raw), Epoch: primitives.Epoch(epoch)}, nil
}

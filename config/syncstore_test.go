package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/primitives"
)

func TestSyncAndStoreDefaults(t *testing.T) {
	cfg := mustLoad(t, Sources{})
	if cfg.Sync != (SyncConfig{}) {
		t.Errorf("sync defaults %+v, want all off", cfg.Sync)
	}
	if cfg.Store != (StoreConfig{ColdStateEpochs: 256}) {
		t.Errorf("store defaults %+v", cfg.Store)
	}
}

func TestSyncAndStoreFromEverySource(t *testing.T) {
	root := "0x" + strings.Repeat("ab", 32)
	file := writeFile(t, "c.toml", `
[sync]
checkpoint_sync_url = "http://127.0.0.1:5052/"
weak_subjectivity_checkpoint = "`+root+`:1234"
[store]
cold_state_epochs = 64
`)
	cfg := mustLoad(t, Sources{
		File:    file,
		Environ: []string{"SALAMANDER_STORE_HISTORY_EPOCHS=40000"},
		Flags:   parsedFlags(t, "--store-cold-state-epochs=32"),
	})
	want := SyncConfig{
		CheckpointSyncURL: "http://127.0.0.1:5052",
		WeakSubjectivity:  WeakSubjectivityCheckpoint{Set: true, Root: primitives.Root{0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab}, Epoch: 1234},
	}
	if cfg.Sync != want {
		t.Errorf("sync %+v, want %+v", cfg.Sync, want)
	}
	if cfg.Store != (StoreConfig{ColdStateEpochs: 32, HistoryEpochs: 40000}) {
		t.Errorf("store %+v", cfg.Store)
	}

	dir := t.TempDir()
	cfg = mustLoad(t, Sources{Flags: parsedFlags(t, "--checkpoint-state", filepath.Join(dir, "s.ssz"), "--checkpoint-block", filepath.Join(dir, "b.ssz"))})
	if cfg.Sync.CheckpointState != filepath.Join(dir, "s.ssz") || cfg.Sync.CheckpointBlock != filepath.Join(dir, "b.ssz") {
		t.Errorf("checkpoint files %+v", cfg.Sync)
	}
}

func TestSyncAndStoreErrorsNameTheKey(t *testing.T) {
	root := "0x" + strings.Repeat("ab", 32)
	for _, c := range []struct {
		toml string
		key  string
		want error
	}{
		{"[sync]\ncheckpoint_sync_url = \"ftp://x\"", "sync.checkpoint_sync_url", ErrInvalidValue},
		{"[sync]\nweak_subjectivity_checkpoint = \"" + root + "\"", "sync.weak_subjectivity_checkpoint", ErrInvalidValue},
		{"[sync]\nweak_subjectivity_checkpoint = \"0xabcd:1\"", "sync.weak_subjectivity_checkpoint", ErrInvalidValue},
		{"[sync]\nweak_subjectivity_checkpoint = \"" + root + ":x\"", "sync.weak_subjectivity_checkpoint", ErrInvalidValue},
		{"[sync]\ncheckpoint_state = \"/tmp/s.ssz\"", "sync.checkpoint_block", ErrConflict},
		{"[sync]\ncheckpoint_block = \"/tmp/b.ssz\"", "sync.checkpoint_state", ErrConflict},
		{"[sync]\ncheckpoint_sync_url = \"http://127.0.0.1:1\"\ncheckpoint_state = \"/s\"\ncheckpoint_block = \"/b\"", "sync.checkpoint_sync_url", ErrConflict},
		{"[store]\ncold_state_epochs = 0", "store.cold_state_epochs", ErrInvalidValue},
		{"[store]\ncold_state_epochs = -3", "store.cold_state_epochs", ErrInvalidValue},
		{"[store]\nhistory_epochs = \"many\"", "store.history_epochs", ErrInvalidValue},
	} {
		_, err := Load(Sources{File: writeFile(t, "bad.toml", c.toml)})
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%q: %v, want %v naming %s", c.toml, err, c.want, c.key)
		}
	}
}

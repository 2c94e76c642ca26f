package checkpointsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// Defaults of Options.
const (
	// DefaultMaxStateBytes bounds a downloaded state: mainnet's is a few hundred MB.
	DefaultMaxStateBytes = 2 << 30
	// DefaultMaxBlockBytes bounds a downloaded block (MAX_PAYLOAD_SIZE of the Fulu networking spec is 10 MiB).
	DefaultMaxBlockBytes = 64 << 20
	// DefaultTimeout bounds the whole download.
	DefaultTimeout = 10 * time.Minute
)

// Options configure checkpoint sync.
type Options struct {
	// Spec is the configured chain; the checkpoint must be at its Fulu fork. Required.
	Spec *params.Spec
	// GenesisValidatorsRoot, when set, is the genesis the checkpoint must have.
	GenesisValidatorsRoot *primitives.Root
	// WeakSubjectivity, when set, is a checkpoint the user trusts; the anchor must be on its chain.
	WeakSubjectivity *store.Checkpoint
	// Client is the HTTP client; nil means a client with Timeout.
	Client *http.Client
	// Logger receives a line for each step (download, verification, anchoring); nil logs nothing.
	Logger *slog.Logger
	// Timeout bounds each download; zero means DefaultTimeout.
	Timeout       time.Duration
	MaxStateBytes int64 // zero means DefaultMaxStateBytes
	MaxBlockBytes int64 // zero means DefaultMaxBlockBytes
}

func (o *Options) fill() {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxStateBytes <= 0 {
		o.MaxStateBytes = DefaultMaxStateBytes
	}
	if o.MaxBlockBytes <= 0 {
		o.MaxBlockBytes = DefaultMaxBlockBytes
	}
}

// Fetch downloads the finalized state from a Beacon API at baseURL, then the block its latest block header names,
// both as SSZ, and verifies them (see Verify).
func Fetch(ctx context.Context, baseURL string, opts Options) (*Anchor, error) {
	opts.fill()
	base, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%w: checkpoint sync URL %q: want http(s)://host[:port]", ErrSource, baseURL)
	}
	opts.Logger.Info("Checkpoint sync: downloading the finalized state", "url", base.Redacted())
	start := time.Now()
	stateSSZ, err := getSSZ(ctx, opts, base, "/eth/v2/debug/beacon/states/finalized", opts.MaxStateBytes)
	if err != nil {
		return nil, fmt.Errorf("download finalized state: %w", err)
	}
	blockRoot, err := latestBlockRoot(stateSSZ)
	if err != nil {
		return nil, err
	}
	opts.Logger.Info("Checkpoint sync: downloading the state's block", "url", base.Redacted(), "state_bytes", len(stateSSZ),
		"block_root", fmt.Sprintf("%#x", blockRoot), "took", time.Since(start).Round(time.Millisecond))
	blockSSZ, err := getSSZ(ctx, opts, base, fmt.Sprintf("/eth/v2/beacon/blocks/%#x", blockRoot), opts.MaxBlockBytes)
	if err != nil {
		return nil, fmt.Errorf("download block %#x of the finalized state: %w", blockRoot, err)
	}
	return verifyAndLog(stateSSZ, blockSSZ, opts)
}

// verifyAndLog is Verify, logging the verified anchor.
func verifyAndLog(stateSSZ, blockSSZ []byte, opts Options) (*Anchor, error) {
	a, err := Verify(stateSSZ, blockSSZ, opts)
	if err != nil {
		return nil, err
	}
	attrs := []any{"slot", a.State.Slot, "epoch", a.Epoch(), "state_root", fmt.Sprintf("%#x", a.State.Root),
		"block_root", fmt.Sprintf("%#x", a.Block.Root), "block_slot", a.Block.Slot,
		"genesis_validators_root", fmt.Sprintf("%#x", a.GenesisValidatorsRoot)}
	if ws := opts.WeakSubjectivity; ws != nil {
		attrs = append(attrs, "weak_subjectivity_checkpoint", fmt.Sprintf("%#x:%d", ws.Root, ws.Epoch))
	}
	opts.Logger.Info("Checkpoint sync: verified", attrs...)
	return a, nil
}

// Load reads a state and a block from SSZ files and verifies them (see Verify).
func Load(statePath, blockPath string, opts Options) (*Anchor, error) {
	opts.fill()
	opts.Logger.Info("Checkpoint sync: reading the state and block files", "state", statePath, "block", blockPath)
	stateSSZ, err := readFile(statePath, opts.MaxStateBytes)
	if err != nil {
		return nil, fmt.Errorf("checkpoint state: %w", err)
	}
	blockSSZ, err := readFile(blockPath, opts.MaxBlockBytes)
	if err != nil {
		return nil, fmt.Errorf("checkpoint block: %w", err)
	}
	return verifyAndLog(stateSSZ, blockSSZ, opts)
}

// LoadGenesis reads a genesis state from an SSZ file and makes its anchor (see Genesis).
func LoadGenesis(path string, opts Options) (*Anchor, error) {
	opts.fill()
	opts.Logger.Info("Reading the genesis state", "path", path)
	stateSSZ, err := readFile(path, opts.MaxStateBytes)
	if err != nil {
		return nil, fmt.Errorf("genesis state: %w", err)
	}
	a, err := Genesis(stateSSZ, opts)
	if err != nil {
		return nil, err
	}
	opts.Logger.Info("Verified the genesis state", "state_root", fmt.Sprintf("%#x", a.State.Root),
		"block_root", fmt.Sprintf("%#x", a.Block.Root), "genesis_time", a.GenesisTime,
		"genesis_validators_root", fmt.Sprintf("%#x", a.GenesisValidatorsRoot))
	return a, nil
}

func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSource, err)
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %w", ErrSource, path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrTooLarge, path, limit)
	}
	return data, nil
}

// latestBlockRoot is the root of the state's latest block header with its state root filled in: the block the
// state belongs to.
func latestBlockRoot(stateSSZ []byte) (primitives.Root, error) {
	var state types.BeaconState
	if err := types.Unmarshal(stateSSZ, &state); err != nil {
		return primitives.Root{}, fmt.Errorf("%w: state (%d bytes): %w", ErrDecode, len(stateSSZ), err)
	}
	header := *state.LatestBlockHeader
	if header.StateRoot == (primitives.Root{}) {
		header.StateRoot = types.HashTreeRootConcurrent(&state)
	}
	return types.HashTreeRoot(&header), nil
}

// getSSZ GETs path as application/octet-stream and returns the body, at most limit bytes.
func getSSZ(ctx context.Context, opts Options, base *url.URL, path string, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	u := base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSource, err)
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := opts.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrSource, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: HTTP %d: %s", ErrSource, u, resp.StatusCode, apiMessage(resp.Body))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/octet-stream") {
		return nil, fmt.Errorf("%w: GET %s: Content-Type %q, want application/octet-stream (does the server support SSZ responses?)", ErrSource, u, ct)
	}
	if v := resp.Header.Get("Eth-Consensus-Version"); v != "" && !strings.EqualFold(v, params.Fulu.String()) {
		return nil, fmt.Errorf("%w: GET %s: Eth-Consensus-Version %q, want %q", ErrWrongFork, u, v, params.Fulu)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: GET %s: %d bytes, limit %d", ErrTooLarge, u, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: read body: %w", ErrSource, u, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: GET %s: more than %d bytes", ErrTooLarge, u, limit)
	}
	return body, nil
}

// apiMessage extracts the message of a Beacon API error body, or a short prefix of whatever it is.
func apiMessage(body io.Reader) string {
	raw, _ := io.ReadAll(io.LimitReader(body, 4096))
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		return e.Message
	}
	s := strings.TrimSpace(string(raw))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// Result says what Sync did.
type Result struct {
	Anchor store.Anchor
	// Resumed means the database already held a chain of this network: nothing was downloaded or written.
	Resumed bool
}

// Source names where Sync takes the anchor: a Beacon API URL, a state file and a block file, or a genesis state
// file, in that order of preference.
type Source struct {
	URL          string
	StatePath    string
	BlockPath    string
	GenesisState string
}

// IsZero tells whether s names no source at all.
func (s Source) IsZero() bool { return s == Source{} }

// ErrNoSource means Sync was called with an empty Source.
var ErrNoSource = errors.New("no checkpoint source configured")

func (s Source) String() string {
	switch {
	case s.URL != "":
		if u, err := url.Parse(s.URL); err == nil {
			return u.Redacted() // a URL may carry an API key as its password
		}
		return s.URL
	case s.StatePath != "" || s.BlockPath != "":
		return s.StatePath + " + " + s.BlockPath
	}
	return s.GenesisState
}

// Target is the store Sync anchors: a *store.DB, or a node's adapter that reads through a store.Reader and sends
// the anchor to the store actor as a *store.SetAnchor.
type Target interface {
	Anchor() (store.Anchor, error)
	CheckGenesis(gvr primitives.Root, genesisTime uint64) error
	SetAnchor(store.AnchorInput) error
}

// Sync anchors db on the checkpoint of src, unless db already holds a chain: then the node resumes from the
// database and nothing is downloaded, but a checkpoint URL's genesis is still compared with the datadir's
// (store.ErrWrongNetwork when another network's node is configured).
func Sync(ctx context.Context, db Target, src Source, opts Options) (Result, error) {
	opts.fill()
	if anchor, err := db.Anchor(); err == nil {
		if src.URL != "" {
			if err := checkRemoteGenesis(ctx, db, src.URL, opts); err != nil {
				return Result{}, err
			}
		}
		return Result{Anchor: anchor, Resumed: true}, nil
	} else if !errors.Is(err, store.ErrNoAnchor) {
		return Result{}, fmt.Errorf("checkpoint sync: %w", err)
	}

	var a *Anchor
	var err error
	switch {
	case src.URL != "":
		a, err = Fetch(ctx, src.URL, opts)
	case src.StatePath != "" && src.BlockPath != "":
		a, err = Load(src.StatePath, src.BlockPath, opts)
	case src.GenesisState != "":
		a, err = LoadGenesis(src.GenesisState, opts)
	default:
		return Result{}, ErrNoSource
	}
	what := "checkpoint sync from " + src.String()
	if src.URL == "" && src.StatePath == "" {
		what = "start from genesis state " + src.GenesisState
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := db.SetAnchor(a.Input()); err != nil {
		return Result{}, fmt.Errorf("%s: %w", what, err)
	}
	anchor, err := db.Anchor()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", what, err)
	}
	return Result{Anchor: anchor}, nil
}

// checkRemoteGenesis compares the genesis of the Beacon API at baseURL with the datadir's.
func checkRemoteGenesis(ctx context.Context, db Target, baseURL string, opts Options) error {
	opts.fill()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	u := strings.TrimRight(baseURL, "/") + "/eth/v1/beacon/genesis"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSource, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: GET %s: %w", ErrSource, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s: HTTP %d: %s", ErrSource, u, resp.StatusCode, apiMessage(resp.Body))
	}
	var body struct {
		Data struct {
			GenesisTime           string `json:"genesis_time"`
			GenesisValidatorsRoot string `json:"genesis_validators_root"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return fmt.Errorf("%w: GET %s: %w", ErrSource, u, err)
	}
	var gvr primitives.Root
	var genesisTime uint64
	raw, err := decodeHex(body.Data.GenesisValidatorsRoot)
	if err != nil || len(raw) != 32 {
		return fmt.Errorf("%w: GET %s: genesis_validators_root %q", ErrSource, u, body.Data.GenesisValidatorsRoot)
	}
	copy(gvr[:], raw)
	if _, err := fmt.Sscanf(body.Data.GenesisTime, "%d", &genesisTime); err != nil {
		return fmt.Errorf("%w: GET %s: genesis_time %q", ErrSource, u, body.Data.GenesisTime)
	}
	if err := db.CheckGenesis(gvr, genesisTime); err != nil {
		return fmt.Errorf("checkpoint sync URL %s: %w", baseURL, err)
	}
	return nil
}

package devnet

import (
	"fmt"
	"time"

	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/chain"
	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/supervisor"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
	"github.com/salamander-client/salamander/validator"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

// DefaultGraffiti is what the devnet's blocks carry unless Options.Graffiti says otherwise.
const DefaultGraffiti = "salamander dev"

// Options describe the devnet node the supervision tree runs.
type Options struct {
	Spec    *params.Spec
	DataDir string
	// Reader is the node's one store reader (store.Config.Options.Reader), through which every actor reads.
	Reader                *store.Reader
	GenesisTime           time.Time
	GenesisValidatorsRoot primitives.Root
	// Validators is the number of interop validators, 0..Validators-1, whose duties run in-process; 0 runs none.
	Validators uint64
	// Keys, when set, are the validators' keys (keystores) instead of the interop ones.
	Keys []*bls.SecretKey
	// Graffiti is written into the validators' blocks; zero for DefaultGraffiti.
	Graffiti [32]byte
	// FeeRecipient is the execution address of the blocks' fees.
	FeeRecipient primitives.ExecutionAddress
	// Engine is the embedded mock execution engine (SeedEngine); it outlives the actors that use it, as an
	// execution client would.
	Engine *engineapi.MockEngine
	// NoSyncProtection opens the slashing protection database without fsync: for tests only.
	NoSyncProtection bool
}

// Node is an assembled devnet node: the chain options of its supervision tree, and what must be closed once the
// tree has stopped.
type Node struct {
	Chain      supervisor.ChainOptions
	protection *slashingprotection.DB
}

// Close closes what the node opened beside the store: the slashing protection database.
func (n *Node) Close() error {
	if n.protection == nil {
		return nil
	}
	if err := n.protection.Close(); err != nil {
		return fmt.Errorf("close the slashing protection database: %w", err)
	}
	return nil
}

// Assemble configures the chain's actors of a devnet node, with the duties of its validators when it has keys (or
// interop validators). Every actor gets its own Env and state caches, since
// they work apart; what they share is the store (through opts.Reader) and the mock engine. The validator duties'
// slashing protection database (<data_dir>/slashing-protection.db) and operation pool live here, outside the
// validator actor, so that they outlive its restarts.
func Assemble(opts Options) (*Node, error) {
	newEnv := func() *helpers.Env { return helpers.NewEnv(opts.Spec, helpers.NewCaches()) }
	inbox := blocksync.NewInbox(0)
	n := &Node{Chain: ChainActors(ChainActorsOptions{Spec: opts.Spec, Reader: opts.Reader, Engine: opts.Engine,
		Availability: noBlobs{}, BlockSync: blocksync.Config{Inbox: inbox}})}
	keys := opts.Keys
	if len(keys) == 0 && opts.Validators > 0 {
		var err error
		if keys, err = bls.InteropSecretKeys(opts.Validators); err != nil {
			return nil, fmt.Errorf("devnet validators: %w", err)
		}
	}
	if len(keys) == 0 {
		return n, nil
	}

	protection, err := slashingprotection.Open(slashingprotection.Path(opts.DataDir), slashingprotection.Options{NoSync: opts.NoSyncProtection})
	if err != nil {
		return nil, fmt.Errorf("devnet validators: %w", err)
	}
	if err := protection.BindGenesisValidatorsRoot(opts.GenesisValidatorsRoot); err != nil {
		_ = protection.Close()
		return nil, fmt.Errorf("devnet validators: %w", err)
	}
	signer, err := validator.NewSigner(opts.Spec, opts.GenesisValidatorsRoot, protection, keys)
	if err != nil {
		_ = protection.Close()
		return nil, fmt.Errorf("devnet validators: %w", err)
	}
	n.protection = protection

	local := chain.NewLocal(opts.Reader, chain.NewStates(newEnv(), opts.Reader, 0), inbox)
	pool := validator.NewOperationPool(0)
	env := newEnv()
	broadcaster := chain.NewBroadcaster(env, local, inbox)
	graffiti := opts.Graffiti
	if graffiti == ([32]byte{}) {
		copy(graffiti[:], DefaultGraffiti)
	}
	clientConfig := validator.ClientConfig{Graffiti: graffiti, FeeRecipient: opts.FeeRecipient}
	n.Chain.Validator = &validator.Config{
		Spec:        opts.Spec,
		GenesisTime: opts.GenesisTime,
		NewClient: func() (*validator.Client, error) {
			node := validator.NewLocalBeaconNode(env, local, pool, opts.Engine, opts.Engine, broadcaster)
			return validator.NewClient(signer, node, clientConfig), nil
		},
	}
	return n, nil
}

// ChainActorsOptions describe the chain's actors of a node: what ChainActors assembles.
type ChainActorsOptions struct {
	Spec *params.Spec
	// Reader is the node's one store reader, through which every actor reads.
	Reader *store.Reader
	// Engine judges the blocks' execution payloads.
	Engine block.ExecutionEngine
	// Availability is is_data_available for fork choice.
	Availability forkchoice.DataAvailability
	// BlockSync configures the blocksync actor; its Reader is set to Reader.
	BlockSync blocksync.Config
}

// ChainActors configures the actors that follow a chain (transition, fork choice, blocksync) without validators:
// what a devnet node and a node that follows a network have in common. Each actor gets its own Env and state
// caches, since they work apart; what they share is the store, through opts.Reader.
func ChainActors(opts ChainActorsOptions) supervisor.ChainOptions {
	newEnv := func() *helpers.Env { return helpers.NewEnv(opts.Spec, helpers.NewCaches()) }
	transitionStates := chain.NewStates(newEnv(), opts.Reader, 0)
	forkChoiceStates := chain.NewStates(newEnv(), opts.Reader, 0)
	sync := opts.BlockSync
	sync.Reader = opts.Reader
	return supervisor.ChainOptions{
		Transition: &transition.ChainConfig{
			Config: transition.Config{Spec: opts.Spec, Engine: opts.Engine, States: transitionStates},
			Anchor: transitionStates,
		},
		ForkChoice: &forkchoice.Config{
			Spec:         opts.Spec,
			Chain:        chain.NewForkChoiceSource(newEnv(), opts.Reader, forkChoiceStates),
			Availability: opts.Availability,
		},
		BlockSync: sync,
	}
}

// noBlobs is is_data_available on a devnet whose mock engine builds no blob transactions: a block without blob
// commitments has all its data.
type noBlobs struct{}

func (noBlobs) IsDataAvailable(root primitives.Root, blk *types.BeaconBlock) error {
	if n := len(blk.Body.BlobKZGCommitments); n > 0 {
		return fmt.Errorf("block %#x: %w: %d blob commitments and no data column sidecars on a devnet", root,
			forkchoice.ErrDataUnavailable, n)
	}
	return nil
}

// SeedEngine returns a mock execution engine that knows the execution payloads of the chain db holds: the anchor
// state's latest payload, and every block's since. A chain the mock built before the node restarted is thus one
// it can build on again.
func SeedEngine(db *store.Reader) (*engineapi.MockEngine, error) {
	stored, err := db.LoadChain()
	if err != nil {
		return nil, fmt.Errorf("seed the mock engine: %w", err)
	}
	state := new(types.BeaconState)
	if err := types.Unmarshal(stored.AnchorState, state); err != nil {
		return nil, fmt.Errorf("seed the mock engine: %w: anchor state: %w", store.ErrCorrupt, err)
	}
	engine, err := engineapi.NewMockEngine(state.LatestExecutionPayloadHeader)
	if err != nil {
		return nil, fmt.Errorf("seed the mock engine: %w", err)
	}
	for _, b := range stored.Blocks {
		signed := new(types.SignedBeaconBlock)
		if err := types.Unmarshal(b.SSZ, signed); err != nil {
			return nil, fmt.Errorf("seed the mock engine: %w: block %#x: %w", store.ErrCorrupt, b.Root, err)
		}
		if p := signed.Message.Body.ExecutionPayload; p != nil {
			engine.AddBlock(p.Header())
		}
	}
	return engine, nil
}

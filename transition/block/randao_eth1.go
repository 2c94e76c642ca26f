package block

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessRandao is the spec's process_randao: the reveal must be the proposer's signature over the epoch, and is
// mixed into the epoch's RANDAO mix.
func ProcessRandao(env *helpers.Env, state *types.BeaconState, body *types.BeaconBlockBody, verifier helpers.SignatureVerifier) error {
	epoch := helpers.GetCurrentEpoch(state)
	verifier = forCheck(verifier, ErrInvalidRandaoReveal)
	if !skipsSignatures(verifier) {
		publicKey, err := helpers.ValidatorPublicKey(env, state, helpers.GetBeaconProposerIndex(state))
		if err != nil {
			return fmt.Errorf("process_randao: %w: %w", ErrInvalidRandaoReveal, err)
		}
		// hash_tree_root(Epoch) is the epoch little-endian in one zero-padded chunk.
		var epochRoot primitives.Root
		binary.LittleEndian.PutUint64(epochRoot[:], uint64(epoch))
		signingRoot := params.ComputeSigningRoot(epochRoot, helpers.GetDomain(state, params.DomainRandao, epoch))
		if err := addSignature(verifier, "RANDAO reveal", publicKey, signingRoot, body.RandaoReveal); err != nil {
			return fmt.Errorf("process_randao: %w", err)
		}
	}
	mix := helpers.Xor(helpers.GetRandaoMix(state, epoch), sha256.Sum256(body.RandaoReveal[:]))
	state.RandaoMixes[uint64(epoch)%params.EpochsPerHistoricalVector] = mix
	return nil
}

// eth1DataVotesLimit is the length limit of BeaconState.eth1_data_votes.
const eth1DataVotesLimit = params.EpochsPerEth1VotingPeriod * params.SlotsPerEpoch

// ProcessEth1Data is the spec's process_eth1_data: record the block's vote, and adopt the voted data once more than
// half the voting period's slots agree.
func ProcessEth1Data(state *types.BeaconState, body *types.BeaconBlockBody) error {
	if len(state.Eth1DataVotes) >= eth1DataVotesLimit {
		return fmt.Errorf("process_eth1_data: %w: eth1_data_votes is full", helpers.ErrIndexOutOfRange)
	}
	vote := *body.Eth1Data
	state.Eth1DataVotes = append(state.Eth1DataVotes, &vote)
	count := 0
	for _, v := range state.Eth1DataVotes {
		if *v == vote {
			count++
		}
	}
	if count*2 > eth1DataVotesLimit {
		adopted := vote
		state.Eth1Data = &adopted
	}
	return nil
}

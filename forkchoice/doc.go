// Package forkchoice keeps the fork-choice store — LMD-GHOST with Casper FFG, proposer boost, equivocation
// discounting, unrealized justification and optimistic sync — and answers which block is the head.
//
// The core is Store, the spec's Store and handlers (phase0 to fulu) under their spec names: NewStore
// (get_forkchoice_store), OnTick, OnTickPerSlot, OnBlock, OnAttestation, OnAttesterSlashing, GetHead, GetWeight,
// GetProposerScore, ViableForHead (get_filtered_block_tree's leaves), GetProposerHead,
// ShouldOverrideForkchoiceUpdate and the re-org predicates (IsHeadLate, IsShufflingStable, IsFFGCompetitive,
// IsFinalizationOK, IsProposingOnTime, IsHeadWeak, IsParentStrong). Blocks live in a proto-array: an array in
// insertion order with parent indices, whose weights are updated by the vote deltas of computeDeltas (each
// validator's latest message, old against new balances) and whose best child and best descendant are recomputed in
// the same backward pass, with the spec's filter_block_tree viability (voting source pulled up for blocks of past
// epochs, descent from the finalized checkpoint). The head is then the justified block's best descendant. Blocks
// whose payload the execution engine finds INVALID leave the tree with their descendants (InvalidatePayload,
// InvalidateAncestors); blocks before the finalized one are pruned, and the array and votes renumbered.
//
// The Store holds no BeaconState. What on_block needs from the state transition comes in a BlockInput (PostStateOf
// computes it, compute_pulled_up_tip included); the checkpoint states' balances come from a BalancesSource;
// attestations come indexed and verified. StateCache is that state-dependent half of the spec's Store
// (block_states, checkpoint_states, store_target_checkpoint_state, the indexed-attestation and slashing checks): it
// belongs to whoever runs the state transition. Data availability (Fulu's is_data_available over data column
// sidecars) is a DataAvailability; ColumnAvailability implements the spec's definition over a retrieval function.
//
// The forkchoice actor owns a Store alone. It is sent *OnBlock (the block's SSZ with its post-state summary, the
// indexed form of its attestations and the Balances of its justified checkpoints: never a state), *OnAttestation,
// *OnAttesterSlashing, *OnPayloadStatus and *Tick; it answers *HeadRequest, *ProposerHeadRequest and
// *StatusRequest, and publishes *HeadChanged, *Reorg, *Justified and *Finalized on the actor system's EventStream.
// Attestations whose block or slot has not arrived wait in a bounded queue. Whenever it starts it rebuilds its
// store from a ChainSource: an anchor and the blocks imported since.
package forkchoice

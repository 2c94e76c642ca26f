// Package validator runs a node's validators: the honest validator guide (phase0 to Fulu) as pure functions, a
// validator client built on them, and the validator actor that drives the client from the slot clock.
//
// The package is cut where the Beacon API cuts a beacon node from a validator client, so that each side can move:
//
//   - Beacon-node side, over a state: duties (GetAttesterDuties, GetProposerDuties from Fulu's proposer
//     lookahead, GetSyncCommitteeDuties), GetAttestationData, ProduceBlock (process_slots, the payload from a
//     PayloadBuilder, the OperationPool's attestations and sync aggregate, get_eth1_vote, and
//     compute_new_state_root through transition.StateTransition), and the OperationPool itself. LocalBeaconNode
//     serves them to a client from a Chain (the head and block import) in the same process.
//   - Validator-client side, over keys: the Signer holds the secret keys and signs under the spec's names, every
//     block and attestation checked against and recorded in the slashing protection database first
//     (validator/slashingprotection); the Client asks a BeaconNode for duties and objects and performs them step
//     by step as the slot passes (propose at the start, attest at ATTESTATION_DUE_BPS, aggregate at
//     AGGREGATE_DUE_BPS, with the sync committee's messages and contributions beside).
//
// Keys come from EIP-2335 keystores (validator/keystore) or, on a devnet, the interop keys (KeySource).
//
// # The actor and the seam
//
// Actor (actor.go, messages.go) is the validator actor: it takes *clock.SlotStarted from the actor system's
// EventStream and hands each slot to a duty worker goroutine that owns the Client, reports every step back, and
// publishes *DutiesPerformed. Its Config.NewClient builds the Client with the node's LocalBeaconNode: wiring it
// into the supervision tree, with the Chain implemented over fork choice and the state cache and a Broadcaster
// over gossip, is the integration of `salamander dev`.
package validator

// Package block is Fulu's block processing (Electra rules underneath): ProcessBlock runs the spec's process_block
// steps in order, each exported under its spec name in Go case (process_block_header is ProcessBlockHeader), and so
// is every operation's processing function, for the operations vectors and for callers that check one operation
// on its own.
//
// # Calling convention
//
// As in package helpers, functions take the *helpers.Env first, then the state, which they change in place: a
// caller that must keep the pre-state when a block turns out invalid works on helpers.CopyState (the transition
// package's StateTransition does). Where the spec would raise, they return an error wrapping one of the sentinels
// in errors.go (or of package helpers) and never panic.
//
// # Signatures
//
// Every function that checks signatures hands them to a helpers.SignatureVerifier. A SignatureBatch collects all
// the signatures of a block (proposer, RANDAO, slashings, attestations, exits, BLS changes, sync aggregate) and
// checks them in one batch; when the batch fails it finds the bad signature and names it (which operation, which
// index) in an error that wraps the operation's sentinel. helpers.VerifyNow checks each signature as it comes,
// helpers.SkipSignatureChecks none (spec vectors with BLS off). Deposit signatures are not collected: an invalid
// one skips its deposit rather than failing the block, so it is verified at once.
//
// # Execution payloads
//
// ProcessExecutionPayload asks an ExecutionEngine whether the payload is valid. A node passes its Engine API
// client; AcceptAllEngine is for the local devnet only, which runs without an execution client.
package block

// Package epoch is the Fulu epoch transition: ProcessEpoch runs the spec's process_epoch steps in order, each an
// exported function under its spec name, and ProcessSlots/ProcessSlot advance a state through empty slots,
// running epoch processing at each epoch boundary.
//
// The spec writes most steps as scans of the validator registry. Here one pass gathers what they read (Summarize,
// a Summary of statuses, effective balances and the few validators some steps may change) and the steps that take
// a Summary scan flat arrays or those few validators instead; rewards and penalties of all flags are computed in
// that one pass too. Arithmetic follows the spec's uint64 semantics exactly: where the spec's uint64 would
// overflow, the step returns an error wrapping helpers.ErrOverflow.
//
// Run alone (as the spec-test vectors do), a step that takes a Summary is given Summarize of the state it runs on.
package epoch

// Package epoch is the Fulu epoch transition: ProcessEpoch runs the spec's process_epoch steps in order, each an
// exported function under its spec name, and ProcessSlots/ProcessSlot advance a state through empty slots,
// running epoch processing at each epoch boundary.
//
// Steps that the spec writes as scans of the validator registry share one pass (Summarize): the statuses of every
// validator in the previous and current epochs and the balances the steps sum. The first three steps read it; it
// stays valid up to process_rewards_and_penalties because nothing before that changes participation, slashing,
// activity or effective balances. Arithmetic follows the spec's uint64 semantics exactly: where the spec's
// uint64 would overflow, the step returns an error wrapping helpers.ErrOverflow.
package epoch

package validator

import (
	"time"

	"github.com/salamander-client/salamander/primitives"
)

// The validator actor's messages. It reacts to the clock's *clock.SlotStarted, which it takes from the actor
// system's EventStream, and answers StatusRequest; what it does is published as *DutiesPerformed.

// StatusRequest asks the validator actor for its Status; it replies with a *StatusResponse.
type StatusRequest struct{}

// StatusResponse answers a StatusRequest.
type StatusResponse struct{ Status Status }

// Status is what the validator actor reports about itself: its incarnation and the duties it performed since.
type Status struct {
	StartedAt  time.Time
	Validators int             // keys the signer holds
	LastSlot   primitives.Slot // the last slot whose duties were performed
	Totals     Report          // sums over the incarnation; Slot and Errors unused
	Failures   int             // duties that failed, refusals by slashing protection included
	Skipped    int             // slots whose duties were skipped because the node fell behind
}

// Step names one of a slot's duty steps.
type Step uint8

const (
	// StepPropose is the block proposal, at the slot's start.
	StepPropose Step = iota + 1
	// StepAttest is the attestations and sync committee messages, at ATTESTATION_DUE_BPS into the slot.
	StepAttest
	// StepAggregate is the aggregates and sync contributions, at AGGREGATE_DUE_BPS into the slot.
	StepAggregate
)

var stepNames = [...]string{StepPropose: "propose", StepAttest: "attest", StepAggregate: "aggregate"}

func (s Step) String() string {
	if s > 0 && int(s) < len(stepNames) {
		return stepNames[s]
	}
	return "unknown"
}

// DutiesPerformed is published on the EventStream after each duty step of a slot.
type DutiesPerformed struct {
	Step   Step
	Report Report
}

// stepDone reports a finished duty step to the actor.
type stepDone struct {
	step   Step
	report Report
}

// slotSkipped reports a slot the worker was too late for.
type slotSkipped struct{ slot primitives.Slot }

package clock

import "github.com/salamander-client/salamander/primitives"

// SlotStarted is published on the actor system's EventStream when a slot begins. Handlers run on the clock
// actor's goroutine: they forward it to a mailbox and return.
type SlotStarted struct {
	Slot  primitives.Slot
	Epoch primitives.Epoch
}

// CurrentSlotRequest asks the clock actor for the slot now; it replies with a *CurrentSlotResponse.
type CurrentSlotRequest struct{}

// CurrentSlotResponse answers a CurrentSlotRequest.
type CurrentSlotResponse struct {
	Slot          primitives.Slot
	Epoch         primitives.Epoch
	BeforeGenesis bool // Slot and Epoch are zero: the chain has not started
}

// tick wakes the clock actor at a slot boundary.
type tick struct{}

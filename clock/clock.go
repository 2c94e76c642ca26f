// Package clock is the beacon chain's slot clock: pure slot arithmetic from the genesis time, and the clock actor
// that announces every slot as it starts.
package clock

import (
	"math"
	"math/bits"
	"time"

	"github.com/salamander-client/salamander/primitives"
)

// IntervalsPerSlot is the spec's INTERVALS_PER_SLOT: fork choice splits a slot into three intervals (block,
// attestations, aggregates).
const IntervalsPerSlot = 3

// maxSeconds is the longest offset from genesis, in seconds, that a time.Duration holds (about 292 years).
const maxSeconds = math.MaxInt64 / uint64(time.Second)

// SlotAt is the spec's get_current_slot at time now: the slot running at now, counting from genesis. ok is false
// before genesis or when secondsPerSlot is 0.
func SlotAt(genesis time.Time, secondsPerSlot uint64, now time.Time) (slot primitives.Slot, ok bool) {
	slot, _, ok = IntervalAt(genesis, secondsPerSlot, now)
	return slot, ok
}

// IntervalAt is the slot running at now and which of its IntervalsPerSlot intervals, counting from 0. ok is false
// before genesis or when secondsPerSlot is 0.
func IntervalAt(genesis time.Time, secondsPerSlot uint64, now time.Time) (slot primitives.Slot, interval uint64, ok bool) {
	elapsed := now.Sub(genesis) // saturates rather than overflows
	if elapsed < 0 || secondsPerSlot == 0 {
		return 0, 0, false
	}
	if secondsPerSlot > maxSeconds/IntervalsPerSlot {
		return 0, 0, true // absurdly long slots: the first one outlasts any time we can compute with
	}
	slotDuration := time.Duration(secondsPerSlot) * time.Second
	intoSlot := elapsed % slotDuration
	return primitives.Slot(elapsed / slotDuration), uint64(intoSlot * IntervalsPerSlot / slotDuration), true
}

// SlotStart is the spec's compute_time_at_slot: when slot begins. Slots more than about 292 years after genesis,
// beyond what time.Duration holds, are given that limit.
func SlotStart(genesis time.Time, secondsPerSlot uint64, slot primitives.Slot) time.Time {
	hi, seconds := bits.Mul64(uint64(slot), secondsPerSlot)
	if hi != 0 || seconds > maxSeconds {
		seconds = maxSeconds
	}
	return genesis.Add(time.Duration(seconds) * time.Second)
}

// EpochAt is the spec's compute_epoch_at_slot. slotsPerEpoch must not be 0.
func EpochAt(slot primitives.Slot, slotsPerEpoch uint64) primitives.Epoch {
	return primitives.Epoch(uint64(slot) / slotsPerEpoch)
}

package clock

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/salamander-client/salamander/primitives"
)

var genesis = time.Unix(1_606_824_023, 0) // mainnet's genesis time

func TestSlotAt(t *testing.T) {
	for _, c := range []struct {
		after    time.Duration
		slot     primitives.Slot
		interval uint64
		ok       bool
	}{
		{-time.Nanosecond, 0, 0, false},
		{0, 0, 0, true},
		{4*time.Second - 1, 0, 0, true},
		{4 * time.Second, 0, 1, true},
		{8 * time.Second, 0, 2, true},
		{12*time.Second - 1, 0, 2, true},
		{12 * time.Second, 1, 0, true},
		{365 * 24 * time.Hour, 2_628_000, 0, true},
	} {
		now := genesis.Add(c.after)
		slot, interval, ok := IntervalAt(genesis, 12, now)
		if slot != c.slot || interval != c.interval || ok != c.ok {
			t.Errorf("%s after genesis: have slot %d interval %d ok %v, want %d %d %v", c.after, slot, interval, ok,
				c.slot, c.interval, c.ok)
		}
		if slot, ok := SlotAt(genesis, 12, now); slot != c.slot || ok != c.ok {
			t.Errorf("SlotAt %s after genesis: %d %v", c.after, slot, ok)
		}
	}
	if _, ok := SlotAt(genesis, 0, genesis.Add(time.Hour)); ok {
		t.Error("a slot with zero seconds per slot")
	}
}

func TestSlotStartIsTheInverseOfSlotAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		slot := primitives.Slot(rng.Uint64N(1 << 28))
		start := SlotStart(genesis, 12, slot)
		if start != genesis.Add(time.Duration(slot)*12*time.Second) {
			t.Fatalf("slot %d starts at %v", slot, start)
		}
		if got, _ := SlotAt(genesis, 12, start); got != slot {
			t.Fatalf("slot at the start of %d is %d", slot, got)
		}
		if got, _ := SlotAt(genesis, 12, start.Add(-time.Nanosecond)); slot > 0 && got != slot-1 {
			t.Fatalf("slot just before %d is %d", slot, got)
		}
	}
	if far := SlotStart(genesis, 12, primitives.Slot(1<<63)); far.Before(genesis.Add(290 * 365 * 24 * time.Hour)) {
		t.Errorf("a slot beyond time.Duration starts at %v", far)
	}
}

func TestEpochAt(t *testing.T) {
	for slot, want := range map[primitives.Slot]primitives.Epoch{0: 0, 31: 0, 32: 1, 65: 2} {
		if got := EpochAt(slot, 32); got != want {
			t.Errorf("epoch of slot %d: have %d, want %d", slot, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Genesis: genesis, SecondsPerSlot: 12, SlotsPerEpoch: 32}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Config{
		{SecondsPerSlot: 12, SlotsPerEpoch: 32},
		{Genesis: genesis, SlotsPerEpoch: 32},
		{Genesis: genesis, SecondsPerSlot: 12},
		{Genesis: genesis, SecondsPerSlot: 1 << 62, SlotsPerEpoch: 32},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v is valid", bad)
		}
	}
}

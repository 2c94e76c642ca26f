package spectest

import (
	"testing"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/epoch"
)

func init() { registry.Handle("sanity", "slots", runSanitySlots) }

// runSanitySlots runs process_slots(pre, pre.slot + slots) and compares with post (tests/formats/sanity/slots).
func runSanitySlots(t *testing.T, c Case) {
	var slots uint64
	if err := c.ReadYAML("slots", &slots); err != nil {
		t.Fatalf("read slots: %v", err)
	}
	state := transitionReadState(t, c, "pre")
	err := epoch.ProcessSlots(transitionEnv(t), state, state.Slot+primitives.Slot(slots))
	transitionCheckPost(t, c, "post", state, err)
}

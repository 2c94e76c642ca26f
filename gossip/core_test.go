package gossip

import (
	"testing"
	"time"
)

func TestAnswerStatusCountsRequests(t *testing.T) {
	started := time.Unix(1_700_000_000, 0)
	c := newCore(started)
	c.count(BeaconBlock, Reject)
	for want := uint64(1); want <= 3; want++ {
		got := c.answerStatus()
		if got.StartedAt != started || got.Requests != want || got.Verdicts[BeaconBlock][Reject] != 1 {
			t.Fatalf("request %d: have %+v", want, got)
		}
	}
}

package blocksync

import (
	"testing"
	"time"
)

func TestAnswerStatusCountsRequests(t *testing.T) {
	started := time.Unix(1_700_000_000, 0)
	c := newCore(started, DefaultMaxPending)
	for want := uint64(1); want <= 3; want++ {
		if got := c.answerStatus(); got.Requests != want || got.StartedAt != started {
			t.Fatalf("request %d: have %+v, want started %v and %d requests", want, got, started, want)
		}
	}
}

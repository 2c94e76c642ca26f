package gossip

import (
	"fmt"
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

func TestSummarizeCountsEachEpochOnce(t *testing.T) {
	c := newCore(time.Now())
	if attrs := c.summarize(); len(attrs) != 0 {
		t.Fatalf("summary of nothing: %v", attrs)
	}
	c.count(BeaconBlock, Accept)
	c.count(BeaconBlock, Accept)
	c.count(BeaconBlock, Ignore)
	c.count(BeaconAttestation, Reject)
	got := fmt.Sprint(c.summarize())
	if want := fmt.Sprint([]any{BeaconBlock.String(), "2/1/0", BeaconAttestation.String(), "0/0/1"}); got != want {
		t.Fatalf("first summary %s, want %s", got, want)
	}
	c.count(BeaconAttestation, Accept)
	got = fmt.Sprint(c.summarize())
	if want := fmt.Sprint([]any{BeaconAttestation.String(), "1/0/0"}); got != want {
		t.Fatalf("second summary %s, want only the new verdicts %s", got, want)
	}
	if attrs := c.summarize(); len(attrs) != 0 {
		t.Fatalf("summary without new verdicts: %v", attrs)
	}
}

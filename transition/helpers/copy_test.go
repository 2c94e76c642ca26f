package helpers_test

import (
	"reflect"
	"testing"

	"github.com/salamander-client/salamander/transition/helpers"
)

// CopyState must share no memory the copy could change: walk both states and fail on any pointer, slice or
// array backing that both reach.
func TestCopyStateSharesNothing(t *testing.T) {
	_, state, _ := testState(t, 500)
	c := helpers.CopyState(state)
	if c.HashTreeRoot() != state.HashTreeRoot() {
		t.Fatal("the copy has another root")
	}
	seen := make(map[uintptr]string)
	collectAddresses(reflect.ValueOf(state).Elem(), "state", seen)
	checkDisjoint(t, reflect.ValueOf(c).Elem(), "copy", seen)

	// Change every kind of field of the copy: the original stays as it was.
	before := state.HashTreeRoot()
	c.Validators[3].EffectiveBalance++
	c.Balances[4]++
	c.PendingDeposits[0].Amount++
	c.LatestExecutionPayloadHeader.ExtraData[0]++
	c.LatestExecutionPayloadHeader.BaseFeePerGas.AddUint64(c.LatestExecutionPayloadHeader.BaseFeePerGas, 1)
	c.CurrentSyncCommittee.Pubkeys[0][0]++
	c.FinalizedCheckpoint.Epoch++
	c.Fork.Epoch++
	c.LatestBlockHeader.Slot++
	c.Eth1DataVotes[0].DepositCount++
	c.HistoricalSummaries[0].BlockSummaryRoot[0]++
	c.RandaoMixes[0][0]++
	c.PreviousEpochParticipation[0]++
	if state.HashTreeRoot() != before {
		t.Fatal("changing the copy changed the original")
	}
}

// collectAddresses records the address of every heap object reachable from v (pointers' targets, slices' backing
// arrays).
func collectAddresses(v reflect.Value, path string, seen map[uintptr]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			seen[v.Pointer()] = path
			collectAddresses(v.Elem(), path, seen)
		}
	case reflect.Slice:
		if v.Len() > 0 {
			seen[v.Pointer()] = path
			for i := range v.Len() {
				collectAddresses(v.Index(i), path, seen)
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			collectAddresses(v.Field(i), path+"."+v.Type().Field(i).Name, seen)
		}
	case reflect.Array:
		if v.Type().Elem().Kind() == reflect.Pointer || v.Type().Elem().Kind() == reflect.Slice {
			for i := range v.Len() {
				collectAddresses(v.Index(i), path, seen)
			}
		}
	}
}

func checkDisjoint(t *testing.T, v reflect.Value, path string, seen map[uintptr]string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			if other, ok := seen[v.Pointer()]; ok {
				t.Errorf("%s shares memory with %s", path, other)
			}
			checkDisjoint(t, v.Elem(), path, seen)
		}
	case reflect.Slice:
		if v.Len() > 0 {
			if other, ok := seen[v.Pointer()]; ok {
				t.Errorf("%s shares its backing array with %s", path, other)
			}
			for i := range v.Len() {
				checkDisjoint(t, v.Index(i), path, seen)
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			checkDisjoint(t, v.Field(i), path+"."+v.Type().Field(i).Name, seen)
		}
	case reflect.Array:
		if v.Type().Elem().Kind() == reflect.Pointer || v.Type().Elem().Kind() == reflect.Slice {
			for i := range v.Len() {
				checkDisjoint(t, v.Index(i), path, seen)
			}
		}
	}
}

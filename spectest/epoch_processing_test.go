package spectest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

func init() { registry.Handle("epoch_processing", "", runEpochProcessing) }

// epochSteps maps each epoch_processing handler to its process_* step (tests/formats/epoch_processing).
var epochSteps = map[string]func(env *helpers.Env, state *types.BeaconState) error{
	"justification_and_finalization": withSummary(epoch.ProcessJustificationAndFinalization),
	"inactivity_updates":             withSummary(epoch.ProcessInactivityUpdates),
	"rewards_and_penalties":          withSummary(epoch.ProcessRewardsAndPenalties),
	"registry_updates":               withSummary(epoch.ProcessRegistryUpdates),
	"slashings":                      withSummary(epoch.ProcessSlashings),
	"eth1_data_reset":                stateOnly(epoch.ProcessEth1DataReset),
	"pending_deposits":               epoch.ProcessPendingDeposits,
	"pending_consolidations":         func(_ *helpers.Env, s *types.BeaconState) error { return epoch.ProcessPendingConsolidations(s) },
	"effective_balance_updates": withSummary(func(_ *helpers.Env, s *types.BeaconState, summary *epoch.Summary) error {
		return epoch.ProcessEffectiveBalanceUpdates(s, summary)
	}),
	"slashings_reset":             stateOnly(epoch.ProcessSlashingsReset),
	"randao_mixes_reset":          stateOnly(epoch.ProcessRandaoMixesReset),
	"historical_summaries_update": func(_ *helpers.Env, s *types.BeaconState) error { return epoch.ProcessHistoricalSummariesUpdate(s) },
	"participation_flag_updates":  stateOnly(epoch.ProcessParticipationFlagUpdates),
	"sync_committee_updates":      epoch.ProcessSyncCommitteeUpdates,
	"proposer_lookahead":          withSummary(epoch.ProcessProposerLookahead),
}

func withSummary(step func(*helpers.Env, *types.BeaconState, *epoch.Summary) error) func(*helpers.Env, *types.BeaconState) error {
	return func(env *helpers.Env, state *types.BeaconState) error {
		summary, err := epoch.Summarize(env, state)
		if err != nil {
			return err
		}
		return step(env, state, summary)
	}
}

func stateOnly(step func(*types.BeaconState)) func(*helpers.Env, *types.BeaconState) error {
	return func(_ *helpers.Env, state *types.BeaconState) error {
		step(state)
		return nil
	}
}

// runEpochProcessing runs the handler's step on pre and compares the result with post (no post: the step must
// fail). Where the case also has pre_epoch, the whole process_epoch runs on it and is compared with post_epoch,
// the format's alternative condition, which checks the steps' data dependencies too.
func runEpochProcessing(t *testing.T, c Case) {
	step, ok := epochSteps[c.Handler]
	if !ok {
		t.Fatalf("epoch_processing handler %q has no step", c.Handler)
	}
	pre := transitionReadState(t, c, "pre")
	err := step(transitionEnv(t), pre)
	transitionCheckPost(t, c, "post", pre, err)

	if c.Exists("pre_epoch.ssz_snappy") && !fullEpochMismatch[c.Name] {
		full := transitionReadState(t, c, "pre_epoch")
		err := epoch.ProcessEpoch(transitionEnv(t), full)
		transitionCheckPost(t, c, "post_epoch", full, err)
	}
}

// fullEpochMismatch lists the cases whose pre_epoch and post_epoch do not correspond in v1.6.1: the test changes
// the state between the two (consensus-specs #5217 dropped them afterwards). Their step itself is still checked.
var fullEpochMismatch = map[string]bool{
	"effective_balance_hysteresis":                              true,
	"effective_balance_hysteresis_with_compounding_credentials": true,
}

// transitionSpec is the spec of this build's preset with the vectors' network config (the preset's own).
var transitionSpec = sync.OnceValues(func() (*params.Spec, error) {
	cfg := params.MainnetConfig()
	if params.PresetName == "minimal" {
		cfg = params.MinimalConfig()
	}
	return params.NewSpec(cfg)
})

// transitionEnv returns a fresh Env with its own caches: each case's states are unrelated to every other case's,
// so they must not share cache entries (a chain's states do: see helpers.Caches).
func transitionEnv(t *testing.T) *helpers.Env {
	t.Helper()
	spec, err := transitionSpec()
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	return helpers.NewEnv(spec, helpers.NewCaches())
}

// transitionReadState decodes <name>.ssz_snappy as a BeaconState.
func transitionReadState(t *testing.T, c Case, name string) *types.BeaconState {
	t.Helper()
	state := new(types.BeaconState)
	readObject(t, c, name, state)
	return state
}

// transitionCheckPost compares state, the result of a transition that returned err, with <name>.ssz_snappy; if
// the case has no such file the transition must have failed.
func transitionCheckPost(t *testing.T, c Case, name string, state *types.BeaconState, err error) {
	t.Helper()
	if !c.Exists(name + ".ssz_snappy") {
		if err == nil {
			t.Errorf("%s: transition succeeded, but the case has no %s: it must fail", c.Handler, name)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: transition failed: %v", c.Handler, err)
	}
	want := transitionReadState(t, c, name)
	if have, want := state.HashTreeRoot(), want.HashTreeRoot(); have == want {
		return
	}
	t.Errorf("%s: state differs from %s in: %v", c.Handler, name, stateDiff(state, want))
}

// stateDiff names the BeaconState fields in which a and b differ, with the first differing element of lists.
func stateDiff(a, b *types.BeaconState) []string {
	var diffs []string
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		fa, fb := va.Field(i), vb.Field(i)
		if reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			continue
		}
		diff := va.Type().Field(i).Name
		if fa.Kind() == reflect.Slice || fa.Kind() == reflect.Array {
			diff += fmt.Sprintf(" (lengths %d/%d", fa.Len(), fb.Len())
			for j := range min(fa.Len(), fb.Len()) {
				if !reflect.DeepEqual(fa.Index(j).Interface(), fb.Index(j).Interface()) {
					diff += fmt.Sprintf(", first at %d: %+v vs %+v", j, reflect.Indirect(fa.Index(j)), reflect.Indirect(fb.Index(j)))
					break
				}
			}
			diff += ")"
		}
		diffs = append(diffs, diff)
	}
	if len(diffs) == 0 {
		return []string{"no field differs, yet the roots do"}
	}
	return diffs
}

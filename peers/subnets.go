package peers

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/salamander-client/salamander/discovery"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Gossip transitions around a fork (altair p2p-interface, "Transitioning the gossip"): the post-fork topics are
// joined this many epochs ahead, and the pre-fork ones left this many epochs after.
const (
	forkSubscribeAhead   = 1
	forkUnsubscribeAfter = 2
)

// subscriptionInput is what the node's subscriptions at an epoch depend on besides the epoch.
type subscriptionInput struct {
	spec              *params.Spec
	gvr               primitives.Root
	nodeID            enode.ID
	subscribeAll      bool
	custodyGroupCount uint64
	// syncSubnets are the sync committee subnets of local validators, each with the epoch it ends before.
	syncSubnets map[uint64]primitives.Epoch
}

// subscriptions are the subnets the node announces at an epoch and the gossip topics it subscribes to.
type subscriptions struct {
	attestation []uint64 // the long-lived attestation subnets announced in attnets
	sync        []uint64 // the sync committee subnets announced in syncnets
	topics      []gossip.Topic
}

// computeSubscriptions works out the node's subscriptions at epoch:
//   - attestation subnets: compute_subscribed_subnets(node_id, epoch), or all of them with subscribe_all_subnets;
//     the next epoch's are joined too, so that a rotation finds their mesh formed, but only the current ones are
//     announced;
//   - sync committee subnets: those of local validators whose period has not ended;
//   - data column subnets: those of the node's custody groups;
//   - every topic under the fork digests of the epochs from forkUnsubscribeAfter before to forkSubscribeAhead after,
//     which is one digest except around a fork (blob-parameter-only forks included).
func computeSubscriptions(in subscriptionInput, epoch primitives.Epoch) (subscriptions, error) {
	var s subscriptions
	var joined []uint64
	if in.subscribeAll {
		s.attestation = discovery.AllAttestationSubnets()
		joined = s.attestation
	} else {
		now, err := discovery.ComputeSubscribedSubnets(in.spec, in.nodeID, epoch)
		if err != nil {
			return s, fmt.Errorf("attestation subnets at epoch %d: %w", epoch, err)
		}
		next, err := discovery.ComputeSubscribedSubnets(in.spec, in.nodeID, epoch+1)
		if err != nil {
			return s, fmt.Errorf("attestation subnets at epoch %d: %w", epoch+1, err)
		}
		s.attestation = sortedUnique(now)
		joined = sortedUnique(append(slices.Clone(now), next...))
	}
	for subnet, until := range in.syncSubnets {
		if epoch < until && subnet < types.SyncCommitteeSubnetCount {
			s.sync = append(s.sync, subnet)
		}
	}
	slices.Sort(s.sync)
	columns := discovery.CustodySubnets(in.spec, in.nodeID, in.custodyGroupCount)

	var kinds []gossip.Topic
	for _, k := range gossip.Kinds() {
		if k.Subnets(in.spec) == 0 {
			kinds = append(kinds, gossip.Topic{Kind: k})
		}
	}
	for _, subnet := range joined {
		kinds = append(kinds, gossip.Topic{Kind: gossip.BeaconAttestation, Subnet: subnet})
	}
	for _, subnet := range s.sync {
		kinds = append(kinds, gossip.Topic{Kind: gossip.SyncCommittee, Subnet: subnet})
	}
	for _, subnet := range columns {
		kinds = append(kinds, gossip.Topic{Kind: gossip.DataColumnSidecar, Subnet: subnet})
	}
	for _, digest := range digestsAround(in.spec, in.gvr, epoch) {
		for _, t := range kinds {
			t.Digest = digest
			s.topics = append(s.topics, t)
		}
	}
	return s, nil
}

// digestsAround lists the distinct fork digests of the epochs around epoch whose topics the node keeps, the
// current one first.
func digestsAround(spec *params.Spec, gvr primitives.Root, epoch primitives.Epoch) []primitives.ForkDigest {
	out := []primitives.ForkDigest{spec.ComputeForkDigest(gvr, epoch)}
	from := epoch - min(epoch, forkUnsubscribeAfter)
	for e := from; e <= epoch+forkSubscribeAhead; e++ {
		if d := spec.ComputeForkDigest(gvr, e); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// topicDiff returns the topics of want not in have (to join) and the names in have not in want (to leave).
func topicDiff(have []string, want []gossip.Topic) (join []gossip.Topic, leave []string) {
	wanted := make(map[string]bool, len(want))
	haveSet := make(map[string]bool, len(have))
	for _, name := range have {
		haveSet[name] = true
	}
	for _, t := range want {
		name := t.String()
		if wanted[name] {
			continue
		}
		wanted[name] = true
		if !haveSet[name] {
			join = append(join, t)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(haveSet)) {
		if !wanted[name] {
			leave = append(leave, name)
		}
	}
	return join, leave
}

func sortedUnique(s []uint64) []uint64 {
	slices.Sort(s)
	return slices.Compact(s)
}

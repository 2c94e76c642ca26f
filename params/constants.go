package params

import "github.com/salamander-client/salamander/primitives"

// Spec constants: the same for every network and preset.
const (
	GenesisSlot  = primitives.Slot(0)
	GenesisEpoch = primitives.Epoch(0)
	// BasisPoints is the denominator of the config's *_BPS slot-timing values.
	BasisPoints = 10000
)

// Domain types (consensus-specs "Domain types", phase0 to Fulu). Go has no array constants: treat these as constants
// and never assign to them.
var (
	DomainBeaconProposer              = primitives.DomainType{0x00, 0x00, 0x00, 0x00}
	DomainBeaconAttester              = primitives.DomainType{0x01, 0x00, 0x00, 0x00}
	DomainRandao                      = primitives.DomainType{0x02, 0x00, 0x00, 0x00}
	DomainDeposit                     = primitives.DomainType{0x03, 0x00, 0x00, 0x00}
	DomainVoluntaryExit               = primitives.DomainType{0x04, 0x00, 0x00, 0x00}
	DomainSelectionProof              = primitives.DomainType{0x05, 0x00, 0x00, 0x00}
	DomainAggregateAndProof           = primitives.DomainType{0x06, 0x00, 0x00, 0x00}
	DomainSyncCommittee               = primitives.DomainType{0x07, 0x00, 0x00, 0x00}
	DomainSyncCommitteeSelectionProof = primitives.DomainType{0x08, 0x00, 0x00, 0x00}
	DomainContributionAndProof        = primitives.DomainType{0x09, 0x00, 0x00, 0x00}
	DomainBLSToExecutionChange        = primitives.DomainType{0x0a, 0x00, 0x00, 0x00}
	DomainApplicationMask             = primitives.DomainType{0x00, 0x00, 0x00, 0x01}
)

package slashingprotection

import "errors"

// Errors of the slashing protection database. A refusal to sign wraps ErrSlashable and one of the sentinels that
// say why (ErrDoubleProposal, ErrDoubleVote, ErrSurroundingVote, ErrSurroundedVote, ErrBelowLowerBound,
// ErrInvalidAttestationEpochs): match either with errors.Is.
var (
	// ErrSlashable is wrapped by every refusal to sign: signing would, or might, get the validator slashed.
	ErrSlashable = errors.New("refused to sign: slashable")
	// ErrDoubleProposal means the validator signed another block at the same slot.
	ErrDoubleProposal = errors.New("double block proposal")
	// ErrDoubleVote means the validator signed another attestation with the same target epoch.
	ErrDoubleVote = errors.New("double vote")
	// ErrSurroundingVote means the attestation would surround one the validator signed.
	ErrSurroundingVote = errors.New("surrounding vote")
	// ErrSurroundedVote means the attestation would be surrounded by one the validator signed.
	ErrSurroundedVote = errors.New("surrounded vote")
	// ErrBelowLowerBound means the slot or epoch is at or below what the database can vouch for (EIP-3076
	// conditions 2, 4 and 5): the validator's earliest recorded message, or the low watermark an import set.
	ErrBelowLowerBound = errors.New("below the lower bound of the signing history")
	// ErrInvalidAttestationEpochs means an attestation's source epoch is after its target epoch.
	ErrInvalidAttestationEpochs = errors.New("source epoch after target epoch")

	// ErrWrongGenesisValidatorsRoot means the database, or an interchange, belongs to another chain.
	ErrWrongGenesisValidatorsRoot = errors.New("genesis validators root mismatch")
	// ErrNoGenesisValidatorsRoot means the database is not bound to a chain yet (BindGenesisValidatorsRoot), so
	// neither signing nor export can be judged.
	ErrNoGenesisValidatorsRoot = errors.New("slashing protection database is bound to no chain")
	// ErrInvalidInterchange means an interchange file is malformed: not JSON of EIP-3076's schema, an unsupported
	// interchange_format_version, or a value that does not parse.
	ErrInvalidInterchange = errors.New("invalid slashing protection interchange")

	// ErrLocked means another process holds the database (a running validator).
	ErrLocked = errors.New("slashing protection database is locked by another process")
	// ErrCorrupt means the file is not a slashing protection database or is damaged.
	ErrCorrupt = errors.New("slashing protection database is corrupt")
	// ErrDiskFailure wraps a failure of the storage itself (write, fsync). The database is closed after it: the
	// validator must stop signing.
	ErrDiskFailure = errors.New("slashing protection database disk failure")
	// ErrClosed means the database was closed.
	ErrClosed = errors.New("slashing protection database is closed")
)

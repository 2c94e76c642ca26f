package params

// Fork names a consensus fork. Salamander runs Fulu only, but configs, fork digests and fork-version checks still
// walk the whole schedule, so every fork is named here, in order.
type Fork uint8

const (
	Phase0 Fork = iota
	Altair
	Bellatrix
	Capella
	Deneb
	Electra
	Fulu
)

var forkNames = [...]string{"phase0", "altair", "bellatrix", "capella", "deneb", "electra", "fulu"}

func (f Fork) String() string {
	if int(f) < len(forkNames) {
		return forkNames[f]
	}
	return "unknown"
}

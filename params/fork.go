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

// LatestFork is the newest fork Salamander implements; arrays indexed by Fork have LatestFork+1 entries.
const LatestFork = Fulu

// Valid reports whether f names a fork Salamander knows.
func (f Fork) Valid() bool { return f <= LatestFork }

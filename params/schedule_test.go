package params

import (
	"encoding/hex"
	"testing"

	"github.com/salamander-client/salamander/primitives"
)

func TestForkAtEpochMainnet(t *testing.T) {
	cfg := MainnetConfig()
	cases := []struct {
		epoch primitives.Epoch
		want  Fork
	}{
		{0, Phase0}, {74239, Phase0}, {74240, Altair}, {144896, Bellatrix}, {194047, Bellatrix}, {194048, Capella},
		{269568, Deneb}, {364031, Deneb}, {364032, Electra}, {411391, Electra}, {411392, Fulu},
		{primitives.FarFutureEpoch - 1, Fulu}, {primitives.FarFutureEpoch, Fulu},
	}
	for _, c := range cases {
		if have := cfg.ForkAtEpoch(c.epoch); have != c.want {
			t.Errorf("ForkAtEpoch(%d) = %s, want %s", c.epoch, have, c.want)
		}
		if have, want := cfg.ComputeForkVersion(c.epoch), cfg.ForkVersion(c.want); have != want {
			t.Errorf("ComputeForkVersion(%d) = %#x, want %#x", c.epoch, have, want)
		}
	}
}

func TestForkAtEpochUnscheduled(t *testing.T) {
	cfg := MinimalConfig() // every fork after phase0 at FAR_FUTURE_EPOCH
	for _, epoch := range []primitives.Epoch{0, 1 << 40, primitives.FarFutureEpoch} {
		if have := cfg.ForkAtEpoch(epoch); have != Phase0 {
			t.Errorf("ForkAtEpoch(%d) = %s, want phase0: an unscheduled fork never activates", epoch, have)
		}
	}
	if have := cfg.NextForkEpoch(0); have != primitives.FarFutureEpoch {
		t.Errorf("NextForkEpoch = %d, want FAR_FUTURE_EPOCH", have)
	}
	if have := cfg.NextForkVersion(0); have != cfg.ForkVersion(Phase0) {
		t.Errorf("NextForkVersion = %#x, want the current version", have)
	}
	if have := cfg.NextForkDigest(primitives.Root{}, 0); have != (primitives.ForkDigest{}) {
		t.Errorf("NextForkDigest = %#x, want zero", have)
	}
}

func TestGetBlobParameters(t *testing.T) {
	cfg := MainnetConfig()
	cases := []struct {
		epoch primitives.Epoch
		want  BlobParameters
	}{
		{0, BlobParameters{364032, 9}},
		{411392, BlobParameters{364032, 9}},
		{412671, BlobParameters{364032, 9}},
		{412672, BlobParameters{412672, 15}},
		{419071, BlobParameters{412672, 15}},
		{419072, BlobParameters{419072, 21}},
		{primitives.FarFutureEpoch, BlobParameters{419072, 21}},
	}
	for _, c := range cases {
		if have := cfg.GetBlobParameters(c.epoch); have != c.want {
			t.Errorf("GetBlobParameters(%d) = %+v, want %+v", c.epoch, have, c.want)
		}
	}
}

func digest(t *testing.T, s string) primitives.ForkDigest {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		t.Fatalf("bad digest %q", s)
	}
	return primitives.ForkDigest(b)
}

// TestForkDigestSpecVectors uses the vectors of consensus-specs' fulu test_compute_fork_digest (v1.6.x), whose
// config has ELECTRA_FORK_EPOCH 9, FULU_FORK_EPOCH 100 and six BLOB_SCHEDULE entries, and which fixes the fork
// version per case.
func TestForkDigestSpecVectors(t *testing.T) {
	cfg := MainnetConfig()
	for fork := Altair; fork < Electra; fork++ {
		cfg.Forks[fork].Epoch = 0
	}
	cfg.Forks[Electra].Epoch = 9
	cfg.Forks[Fulu].Epoch = 100
	cfg.BlobSchedule = []BlobScheduleEntry{{9, 9}, {100, 100}, {150, 175}, {200, 200}, {250, 275}, {300, 300}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	fill := func(b byte) (root primitives.Root) {
		for i := range root {
			root[i] = b
		}
		return root
	}
	cases := []struct {
		epoch   primitives.Epoch
		version primitives.Version
		root    byte
		want    string
	}{
		{9, primitives.Version{6, 0, 0, 0}, 0, "ab3ae6c8"},
		{10, primitives.Version{6, 0, 0, 0}, 0, "ab3ae6c8"},
		{11, primitives.Version{6, 0, 0, 0}, 0, "ab3ae6c8"},
		{99, primitives.Version{6, 0, 0, 0}, 0, "ab3ae6c8"},
		{100, primitives.Version{6, 0, 0, 0}, 0, "df67557b"},
		{101, primitives.Version{6, 0, 0, 0}, 0, "df67557b"},
		{150, primitives.Version{6, 0, 0, 0}, 0, "8ab38b59"},
		{199, primitives.Version{6, 0, 0, 0}, 0, "8ab38b59"},
		{200, primitives.Version{6, 0, 0, 0}, 0, "d9b81438"},
		{201, primitives.Version{6, 0, 0, 0}, 0, "d9b81438"},
		{250, primitives.Version{6, 0, 0, 0}, 0, "4ef32a62"},
		{299, primitives.Version{6, 0, 0, 0}, 0, "4ef32a62"},
		{300, primitives.Version{6, 0, 0, 0}, 0, "ca100d64"},
		{301, primitives.Version{6, 0, 0, 0}, 0, "ca100d64"},
		{9, primitives.Version{6, 0, 0, 0}, 1, "89671111"},
		{9, primitives.Version{6, 0, 0, 0}, 2, "f49b0e24"},
		{9, primitives.Version{6, 0, 0, 0}, 3, "86544e4f"},
		{100, primitives.Version{6, 0, 0, 0}, 1, "fd3aa2a2"},
		{100, primitives.Version{6, 0, 0, 0}, 2, "80c6bd97"},
		{100, primitives.Version{6, 0, 0, 0}, 3, "f209fdfc"},
		{9, primitives.Version{6, 0, 0, 1}, 0, "30f8c25b"},
		{9, primitives.Version{7, 0, 0, 0}, 0, "0432f5a9"},
		{9, primitives.Version{7, 0, 0, 1}, 0, "6e69a671"},
		{100, primitives.Version{6, 0, 0, 1}, 0, "44a571e8"},
		{100, primitives.Version{7, 0, 0, 0}, 0, "706f461a"},
		{100, primitives.Version{7, 0, 0, 1}, 0, "1a3415c2"},
	}
	for _, c := range cases {
		params := cfg.GetBlobParameters(c.epoch)
		if have := forkDigest(c.version, fill(c.root), &params); have != digest(t, c.want) {
			t.Errorf("epoch %d version %#x root %#x: digest %#x, want %s", c.epoch, c.version, c.root, have, c.want)
		}
	}

	// Through the schedule: from FULU_FORK_EPOCH on the digest is Fulu's, with the blob parameters.
	cfg.Forks[Fulu].Version = primitives.Version{6, 0, 0, 0}
	for _, c := range cases {
		if c.epoch >= 100 && c.version == cfg.Forks[Fulu].Version {
			if have := cfg.ComputeForkDigest(fill(c.root), c.epoch); have != digest(t, c.want) {
				t.Errorf("ComputeForkDigest(epoch %d, root %#x) = %#x, want %s", c.epoch, c.root, have, c.want)
			}
		}
	}
	// Before Fulu the digest is phase0's: the fork data root's first bytes.
	root := ComputeForkDataRoot(cfg.ForkVersion(Electra), primitives.Root{})
	if have := cfg.ComputeForkDigest(primitives.Root{}, 50); have != primitives.ForkDigest(root[:4]) {
		t.Errorf("Electra digest %#x, want %#x", have, root[:4])
	}

	// The ENR fields at each boundary: regular forks and blob-parameter-only forks.
	enr := []struct {
		epoch       primitives.Epoch
		nextEpoch   primitives.Epoch
		nextVersion primitives.Version
	}{
		{50, 100, cfg.ForkVersion(Fulu)},
		{100, 150, cfg.ForkVersion(Fulu)},
		{299, 300, cfg.ForkVersion(Fulu)},
		{300, primitives.FarFutureEpoch, cfg.ForkVersion(Fulu)},
	}
	for _, c := range enr {
		if have := cfg.NextForkEpoch(c.epoch); have != c.nextEpoch {
			t.Errorf("NextForkEpoch(%d) = %d, want %d", c.epoch, have, c.nextEpoch)
		}
		if have := cfg.NextForkVersion(c.epoch); have != c.nextVersion {
			t.Errorf("NextForkVersion(%d) = %#x, want %#x", c.epoch, have, c.nextVersion)
		}
	}
	if have, want := cfg.NextForkDigest(primitives.Root{}, 120), digest(t, "8ab38b59"); have != want {
		t.Errorf("NextForkDigest(120) = %#x, want %#x", have, want)
	}
}

// TestMainnetForkDigests checks pre-Fulu digests that mainnet peers have announced for years.
func TestMainnetForkDigests(t *testing.T) {
	cfg := MainnetConfig()
	gvr, _ := hex.DecodeString("4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95")
	cases := []struct {
		epoch primitives.Epoch
		want  string
	}{
		{0, "b5303f2a"},      // phase0
		{74240, "afcaaba0"},  // altair
		{144896, "4a26c58b"}, // bellatrix
		{194048, "bba4da96"}, // capella
		{269568, "6a95a1a9"}, // deneb
	}
	for _, c := range cases {
		if have := cfg.ComputeForkDigest(primitives.Root(gvr), c.epoch); have != digest(t, c.want) {
			t.Errorf("mainnet digest at epoch %d = %#x, want %s", c.epoch, have, c.want)
		}
	}
}

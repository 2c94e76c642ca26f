package params

import (
	"encoding/hex"
	"testing"

	"github.com/salamander-client/salamander/primitives"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestForkDataRoot uses consensus-spec-tests v1.6.1 ssz_static/ForkData cases (minimal/fulu): serialized
// object and hash_tree_root.
func TestForkDataRoot(t *testing.T) {
	cases := []struct{ case_, serialized, root string }{
		{"ssz_random/case_0", "aa72c8f4849b3fff314d633501cdbcb4682251b8fe7d27bbe2dcd2a85be5d58f9f5d69d6", "108e884d4063c793c634d7e9f77fd3565597e4b1e71feaa214cad08ef2ec16ff"},
		{"ssz_random/case_1", "9d1b7a6c134c55a97982e58d2928a53aa0cf654cc74c4516dae262644292e8f1a5351698", "0d807d4ee4edc41fec5d544cfcc808ccd8bfff64ad91e177209cb50f106c751f"},
		{"ssz_lengthy/case_0", "7e7e195bc0c1460af7c9cdc543e89f5662614286b9a6c8bdf386dca634cdb8c4cdb0d66f", "f7fa9e62284c400ab153009e424778c3e48ea1ad0eb753bb7fd959d7442c03ac"},
		{"ssz_max/case_0", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0bbb89d4626ef618ad910a58cc63fb297a16f0452fbf162ba1bc99c540e0f1f3"},
		{"ssz_one/case_0", "81cbf377d51eacd8b52a9736584b89139355b631499eddf8b87d65a0e65f4e49cdf9923f", "cb670d1671f14217b7189e6ffd71a6f31ad6710657a698a81ab7d78e235297c6"},
	}
	for _, c := range cases {
		b := unhex(t, c.serialized)
		have := ComputeForkDataRoot(primitives.Version(b[:4]), primitives.Root(b[4:]))
		if hex.EncodeToString(have[:]) != c.root {
			t.Errorf("%s: root %x, want %s", c.case_, have, c.root)
		}
	}
}

// TestSigningRoot uses consensus-spec-tests v1.6.1 ssz_static/SigningData cases (minimal/fulu).
func TestSigningRoot(t *testing.T) {
	cases := []struct{ case_, serialized, root string }{
		{"ssz_random/case_0", "f88170fb7edc7dc4da50ea11de3a6e0c57e76a0fe602ee460bbcc71488b109e3edadc97e034dac6469b1c4b7f60700696c51f367761084859ec1bffeeaa04415", "e42f7a38ab13e97d31c11e82dec27d9710a1fe5a2f0ae6d2b9f2adb2e26a993a"},
		{"ssz_random/case_1", "f4bd41125c9cc86976d3e43667a47311591a17bbfbfa5c6e2dfc2680ddea518fae514c37c5c2087ba0bb409a20487e81b4bdacbf3c0168719d90913815981124", "75f6db148397297b05e54a540f9b5e33b6572bee70bc2c4511056291599cbf3d"},
		{"ssz_lengthy/case_0", "82cf41064e2e90ee7ae52f1516d8ddd0692c0f9ff52869a3aaf5658e7f14e24477908b5dea525c851a004c00b5075595026d024b86bdbeb3ddf12505d29caf2e", "8dbeb0f031586c6540a6d77bc00bcf7e08142b423dc058bbd74956c18cca1178"},
		{"ssz_max/case_0", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "8667e718294e9e0df1d30600ba3eeb201f764aad2dad72748643e4a285e1d1f7"},
		{"ssz_one/case_1", "7947927fec0ccef91b7f8cb0cf30921ed830260dcb82502102d2891cc83c30cfd645b4baf4ac722fca50141e9583d711db0fe3639966cfbebf1ee6b1accdb131", "648c7914198dc141c728b64462c6730b032bb206b6edaaacf44ac2f580ab68b4"},
	}
	for _, c := range cases {
		b := unhex(t, c.serialized)
		have := ComputeSigningRoot(primitives.Root(b[:32]), primitives.Domain(b[32:]))
		if hex.EncodeToString(have[:]) != c.root {
			t.Errorf("%s: root %x, want %s", c.case_, have, c.root)
		}
	}
}

// TestComputeDomain checks mainnet's deposit domain, which every deposit tool hard-codes.
func TestComputeDomain(t *testing.T) {
	cfg := MainnetConfig()
	have := ComputeDomain(DomainDeposit, cfg.ForkVersion(Phase0), primitives.Root{})
	if want := "03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9"; hex.EncodeToString(have[:]) != want {
		t.Errorf("mainnet deposit domain %x, want %s", have, want)
	}
}

package spectest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Unit tests of the runner framework itself, on small trees made here.

func mkdirs(t *testing.T, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, root, name, content string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ids(cases []Case) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.ID()
	}
	return out
}

func TestWalkSelectsFuluAndTheGeneralVectors(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root,
		"tests/general/phase0/ssz_generic/uints/valid/uint_8_max",
		"tests/general/phase0/ssz_generic/uints/invalid/uint_8_one_byte_longer",
		"tests/general/deneb/kzg/verify_blob_kzg_proof/kzg-mainnet/case_0",
		"tests/minimal/fulu/ssz_static/Fork/ssz_random/case_0",
		"tests/minimal/phase0/shuffling/core/shuffle/shuffle_0x00",
		"tests/minimal/phase0/operations/deposit/pyspec_tests/old_fork", // not Fulu: left out
		"tests/minimal/electra/ssz_static/Fork/ssz_random/case_0",       // not Fulu: left out
		"tests/mainnet/fulu/ssz_static/Fork/ssz_random/case_0",          // other preset: left out
	)
	writeFile(t, root, "bls12-381-tests/sign/sign_case_0.yaml", "input: {}\n")

	cases, err := Walk(root, []string{"general", "minimal", BLSPreset})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"bls12-381-tests/sign/sign_case_0",
		"general/deneb/kzg/verify_blob_kzg_proof/kzg-mainnet/case_0",
		"general/phase0/ssz_generic/uints/invalid/uint_8_one_byte_longer",
		"general/phase0/ssz_generic/uints/valid/uint_8_max",
		"minimal/fulu/ssz_static/Fork/ssz_random/case_0",
		"minimal/phase0/shuffling/core/shuffle/shuffle_0x00",
	}
	if got := ids(cases); !slices.Equal(got, want) {
		t.Fatalf("walk found\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	bls := cases[0]
	if bls.Runner != "bls" || bls.Group() != "bls12-381-tests/sign" || filepath.Base(bls.File) != "sign_case_0.yaml" {
		t.Fatalf("bls case %+v", bls)
	}
	c := cases[4]
	if c.Preset != "minimal" || c.Fork != "fulu" || c.Runner != "ssz_static" || c.Handler != "Fork" ||
		c.Suite != "ssz_random" || c.Name != "case_0" || c.Dir != filepath.Join(root, "tests/minimal/fulu/ssz_static/Fork/ssz_random/case_0") {
		t.Fatalf("case %+v", c)
	}
}

func TestWalkRejectsWhatDoesNotFitTheLayout(t *testing.T) {
	for name, setup := range map[string]func(root string){
		"missing preset": func(root string) { mkdirs(t, root, "tests/general") },
		"loose file among handlers": func(root string) {
			mkdirs(t, root, "tests/minimal/fulu/ssz_static/Fork/ssz_random/case_0")
			writeFile(t, root, "tests/minimal/fulu/ssz_static/README", "x")
		},
		"directory among bls cases": func(root string) { mkdirs(t, root, "bls12-381-tests/sign/nested") },
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			setup(root)
			presets := []string{"minimal"}
			if strings.Contains(name, "bls") {
				presets = []string{BLSPreset}
			}
			if _, err := Walk(root, presets); err == nil {
				t.Fatal("walk accepted it")
			}
		})
	}
}

func TestCheckCountsCatchesAMissingDirectory(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root,
		"tests/minimal/fulu/ssz_static/Fork/ssz_random/case_0",
		"tests/minimal/fulu/ssz_static/Fork/ssz_random/case_1",
		"tests/general/phase0/ssz_generic/uints/valid/uint_8_max",
	)
	writeFile(t, root, ManifestFile, "# comment\n\ngeneral/phase0/ssz_generic/uints 1\nminimal/fulu/ssz_static/Fork 2\n"+
		"mainnet/fulu/ssz_static/Fork 7\n")
	manifest, err := ReadManifest(filepath.Join(root, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	presets := []string{"general", "minimal"}
	cases, err := Walk(root, presets)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckCounts(manifest, CountByGroup(cases), presets); err != nil {
		t.Fatalf("complete tree: %v", err)
	}

	if err := os.RemoveAll(filepath.Join(root, "tests/minimal/fulu/ssz_static/Fork/ssz_random/case_1")); err != nil {
		t.Fatal(err)
	}
	mkdirs(t, root, "tests/minimal/fulu/ssz_static/Checkpoint/ssz_random/case_0")
	cases, err = Walk(root, presets)
	if err != nil {
		t.Fatal(err)
	}
	err = CheckCounts(manifest, CountByGroup(cases), presets)
	if err == nil || !strings.Contains(err.Error(), "minimal/fulu/ssz_static/Fork: found 1 cases, MANIFEST lists 2") ||
		!strings.Contains(err.Error(), "minimal/fulu/ssz_static/Checkpoint: found 1 cases that MANIFEST does not list") {
		t.Fatalf("missing case and unlisted group: %v", err)
	}
	if err := CheckCounts(manifest, nil, []string{"nothing"}); err == nil {
		t.Fatal("a manifest without the presets' groups passed")
	}
}

func TestReadManifestRejectsMalformedLines(t *testing.T) {
	for _, content := range []string{"general/phase0/ssz_generic/uints\n", "a 1 2\n", "a x\n", "a -1\n", "a 1\na 2\n"} {
		path := filepath.Join(t.TempDir(), ManifestFile)
		writeFile(t, filepath.Dir(path), ManifestFile, content)
		if _, err := ReadManifest(path); err == nil {
			t.Errorf("accepted %q", content)
		}
	}
}

func TestSkipsMatchBySegments(t *testing.T) {
	skips, err := ParseSkips([]byte(`
- prefix: "*/fulu/operations"
  reason: "#4 state transition"
- prefix: "general/*/kzg"
  reason: "later"
- prefix: "minimal/fulu/ssz_static/Fork/ssz_random/case_3"
  reason: "one case"
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		c      Case
		reason string
	}{
		{Case{Preset: "minimal", Fork: "fulu", Runner: "operations", Handler: "deposit", Suite: "pyspec_tests", Name: "a"}, "#4 state transition"},
		{Case{Preset: "mainnet", Fork: "fulu", Runner: "operations", Handler: "deposit", Suite: "pyspec_tests", Name: "a"}, "#4 state transition"},
		{Case{Preset: "general", Fork: "deneb", Runner: "kzg", Handler: "blob_to_kzg_commitment", Suite: "s", Name: "a"}, "later"},
		{Case{Preset: "minimal", Fork: "fulu", Runner: "ssz_static", Handler: "Fork", Suite: "ssz_random", Name: "case_3"}, "one case"},
		{Case{Preset: "minimal", Fork: "fulu", Runner: "ssz_static", Handler: "Fork", Suite: "ssz_random", Name: "case_30"}, ""},
		{Case{Preset: "minimal", Fork: "fulu", Runner: "operations_extra", Handler: "x", Suite: "s", Name: "a"}, ""},
		{Case{Preset: BLSPreset, Runner: "bls", Handler: "sign", Name: "a"}, ""},
	} {
		skip, ok := skips.Match(tt.c)
		if ok != (tt.reason != "") || skip.Reason != tt.reason {
			t.Errorf("%s: matched %v %q, want %q", tt.c.ID(), ok, skip.Reason, tt.reason)
		}
	}
}

func TestParseSkipsRejectsBadEntries(t *testing.T) {
	for name, content := range map[string]string{
		"unknown key":      "- prefix: a\n  reason: b\n  why: c\n",
		"no reason":        "- prefix: a\n",
		"empty prefix":     "- prefix: ''\n  reason: b\n",
		"empty segment":    "- prefix: a//b\n  reason: b\n",
		"duplicate prefix": "- prefix: a\n  reason: b\n- prefix: a\n  reason: c\n",
		"not a list":       "prefix: a\n",
	} {
		if _, err := ParseSkips([]byte(content)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTheSkipFileParses(t *testing.T) {
	skips, err := LoadSkips("skip.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(skips.Entries()) == 0 {
		t.Fatal("skip.yaml declares nothing")
	}
}

func TestSummaryCountsOutcomesPerGroup(t *testing.T) {
	s := NewSummary()
	a := Case{Preset: "minimal", Fork: "fulu", Runner: "ssz_static", Handler: "Fork", Suite: "ssz_random", Name: "1"}
	b := Case{Preset: "minimal", Fork: "fulu", Runner: "operations", Handler: "deposit", Suite: "pyspec_tests", Name: "1"}
	s.Record(a, Passed, "")
	s.Record(a, Failed, "")
	s.Record(a, UndeclaredSkip, "skipped without a skip.yaml entry")
	s.Record(b, Skipped, "#4 state transition")
	s.Record(b, Skipped, "#4 state transition")
	rows := s.Rows()
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	ops, static := rows[0], rows[1]
	if ops.Skipped != 2 || ops.Passed != 0 || !slices.Equal(ops.Notes, []string{"#4 state transition"}) {
		t.Errorf("operations row %+v", ops)
	}
	if static.Passed != 1 || static.Failed != 2 || static.Skipped != 0 {
		t.Errorf("ssz_static row %+v", static)
	}
	table := s.Table()
	for _, want := range []string{"minimal/fulu/operations/deposit", "#4 state transition", "total"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

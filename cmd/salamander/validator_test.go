package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

func TestSlashingProtectionExportImport(t *testing.T) {
	from, to := t.TempDir(), t.TempDir()
	db, err := slashingprotection.Open(slashingprotection.Path(from), slashingprotection.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gvr := primitives.Root{0x47}
	pubkey := primitives.BLSPubkey{0xa1}
	if err := db.BindGenesisValidatorsRoot(gvr); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckAndRecordBlock(slashingprotection.Block{Pubkey: pubkey, Slot: 12, SigningRoot: primitives.Root{1}}); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckAndRecordAttestation(slashingprotection.Attestation{Pubkey: pubkey, Source: 2, Target: 3, SigningRoot: primitives.Root{2}}); err != nil {
		t.Fatal(err)
	}

	// While a validator holds the database, both commands refuse and say why.
	file := filepath.Join(t.TempDir(), "interchange.json")
	code, _, stderr := run(t, nil, "validator", "slashing-protection", "export", "--data-dir", from, file)
	if code != exitFailure || !strings.Contains(stderr, "stop the node") {
		t.Fatalf("export of a database in use = %d, stderr:\n%s", code, stderr)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := run(t, nil, "validator", "slashing-protection", "export", "--data-dir", from, file)
	if code != exitOK || !strings.Contains(stdout, "1 validators (1 blocks, 1 attestations)") {
		t.Fatalf("export = %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, nil, "validator", "slashing-protection", "import", "--data-dir", to, file)
	if code != exitOK || !strings.Contains(stdout, "1 validators (1 blocks, 1 attestations)") {
		t.Fatalf("import = %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	code, exported, stderr := run(t, nil, "validator", "slashing-protection", "export", "--data-dir", to, "-")
	original, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if code != exitOK || exported != string(original) {
		t.Fatalf("re-export = %d, stderr %s:\n%s\nwant:\n%s", code, stderr, exported, original)
	}

	// The imported database protects the validator.
	imported, err := slashingprotection.Open(slashingprotection.Path(to), slashingprotection.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = imported.Close() }()
	if err := imported.CheckAndRecordBlock(slashingprotection.Block{Pubkey: pubkey, Slot: 12, SigningRoot: primitives.Root{9}}); err == nil {
		t.Fatal("the imported database allowed a double proposal")
	}
}

func TestSlashingProtectionCommandErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"validator"}, exitUsage, "Usage:"},
		{[]string{"validator", "slashing-protection"}, exitUsage, "Usage:"},
		{[]string{"validator", "slashing-protection", "rewind"}, exitUsage, `unknown command "rewind"`},
		{[]string{"validator", "slashing-protection", "export", "--data-dir", dir}, exitUsage, "want one FILE"},
		{[]string{"validator", "slashing-protection", "export", "--data-dir", dir, "out.json"}, exitFailure, "no such file"},
		{[]string{"validator", "slashing-protection", "import", "--data-dir", dir, filepath.Join(dir, "missing.json")}, exitFailure, "no such file"},
	} {
		code, _, stderr := run(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v = %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"metadata":{"interchange_format_version":"4"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, nil, "validator", "slashing-protection", "import", "--data-dir", dir, bad)
	if code != exitFailure || !strings.Contains(stderr, "interchange_format_version") {
		t.Fatalf("import of a version 4 file = %d, stderr %q", code, stderr)
	}
	code, stdout, _ := run(t, nil, "validator", "help")
	if code != exitOK || !strings.Contains(stdout, "EIP-3076") {
		t.Fatalf("help = %d %q", code, stdout)
	}
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/internal/atomicfile"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

const validatorUsage = `Usage:
  salamander validator slashing-protection export [--config FILE] [flags] FILE
  salamander validator slashing-protection import [--config FILE] [flags] FILE

Export writes the slashing protection history of <data_dir>/` + slashingprotection.FileName + ` to FILE ("-" for
standard output) in the EIP-3076 interchange format, version 5 (complete: every signed block and attestation).
Import merges an interchange file (complete or minimal) into that database; it must be of the same chain (genesis
validators root). Run both with the node stopped: a validator that signs during an export makes the file stale,
and the database is locked while the node runs.
`

// validatorCommand runs the validator's offline maintenance commands.
func (a app) validatorCommand(args []string) int {
	if len(args) < 1 || args[0] != "slashing-protection" {
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(a.stdout, validatorUsage)
			return exitOK
		}
		fmt.Fprint(a.stderr, validatorUsage)
		return exitUsage
	}
	if len(args) < 2 {
		fmt.Fprint(a.stderr, validatorUsage)
		return exitUsage
	}
	switch sub, rest := args[1], args[2:]; sub {
	case "export":
		return a.slashingProtectionExport(rest)
	case "import":
		return a.slashingProtectionImport(rest)
	case "help", "-h", "--help":
		fmt.Fprint(a.stdout, validatorUsage)
		return exitOK
	default:
		fmt.Fprintf(a.stderr, "salamander validator slashing-protection: unknown command %q\n\n%s", sub, validatorUsage)
		return exitUsage
	}
}

// slashingProtectionArgs parses an export or import command line: the data directory (from --data-dir, the
// config file or the environment, as for salamander run) and the one FILE argument.
func (a app) slashingProtectionArgs(name string, args []string) (dataDir, file string, code int, ok bool) {
	synopsis := "salamander validator slashing-protection " + name + " [--config FILE] [flags] FILE"
	fs := a.newFlagSet("validator slashing-protection "+name, synopsis)
	configFile := fs.String("config", "", "TOML configuration file whose data_dir to use")
	config.AddFlags(fs, nil)
	if code, ok := a.parseFlags(fs, args); !ok {
		return "", "", code, false
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(a.stderr, "salamander validator slashing-protection %s: want one FILE\nUsage: %s\n", name, synopsis)
		return "", "", exitUsage, false
	}
	cfg, err := config.Load(config.Sources{File: *configFile, Environ: a.environ, Flags: fs})
	if err != nil {
		fmt.Fprintln(a.stderr, err)
		return "", "", exitUsage, false
	}
	return cfg.Node.DataDir, fs.Arg(0), exitOK, true
}

func (a app) slashingProtectionExport(args []string) int {
	dataDir, file, code, ok := a.slashingProtectionArgs("export", args)
	if !ok {
		return code
	}
	path := slashingprotection.Path(dataDir)
	// Exporting from a database that does not exist would create an empty one: say so instead.
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(a.stderr, "salamander validator slashing-protection export: %v\n", err)
		return exitFailure
	}
	db, err := slashingprotection.Open(path, slashingprotection.Options{})
	if err != nil {
		return a.slashingProtectionFailure("export", err)
	}
	defer func() { _ = db.Close() }()
	interchange, err := db.Export()
	if err != nil {
		return a.slashingProtectionFailure("export", err)
	}
	var out bytes.Buffer
	if err := interchange.WriteJSON(&out); err != nil {
		return a.slashingProtectionFailure("export", err)
	}
	if file == "-" {
		if _, err := a.stdout.Write(out.Bytes()); err != nil {
			return a.slashingProtectionFailure("export", err)
		}
		return exitOK
	}
	if err := atomicfile.Write(file, out.Bytes(), 0o600); err != nil {
		return a.slashingProtectionFailure("export", err)
	}
	blocks, attestations := 0, 0
	for _, v := range interchange.Validators {
		blocks += len(v.Blocks)
		attestations += len(v.Attestations)
	}
	fmt.Fprintf(a.stdout, "Exported the slashing protection of %d validators (%d blocks, %d attestations) from %s to %s\n",
		len(interchange.Validators), blocks, attestations, path, file)
	return exitOK
}

func (a app) slashingProtectionImport(args []string) int {
	dataDir, file, code, ok := a.slashingProtectionArgs("import", args)
	if !ok {
		return code
	}
	f, err := os.Open(file)
	if err != nil {
		return a.slashingProtectionFailure("import", err)
	}
	interchange, err := slashingprotection.ReadInterchange(f)
	_ = f.Close()
	if err != nil {
		return a.slashingProtectionFailure("import", fmt.Errorf("%s: %w", file, err))
	}
	path := slashingprotection.Path(dataDir)
	db, err := slashingprotection.Open(path, slashingprotection.Options{})
	if err != nil {
		return a.slashingProtectionFailure("import", err)
	}
	defer func() { _ = db.Close() }()
	summary, err := db.Import(interchange)
	if err != nil {
		return a.slashingProtectionFailure("import", err)
	}
	fmt.Fprintf(a.stdout, "Imported the slashing protection of %d validators (%d blocks, %d attestations) from %s into %s\n",
		summary.Validators, summary.Blocks, summary.Attestations, file, path)
	return exitOK
}

func (a app) slashingProtectionFailure(name string, err error) int {
	fmt.Fprintf(a.stderr, "salamander validator slashing-protection %s: %v\n", name, err)
	if errors.Is(err, slashingprotection.ErrLocked) {
		fmt.Fprintln(a.stderr, "The database is in use: stop the node, then try again.")
	}
	return exitFailure
}

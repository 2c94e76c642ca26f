// Command salamander is the Salamander beacon node.
//
//	salamander run [--config FILE] [flags]   run a node
//	salamander dev [flags]                   run a local devnet on built-in defaults
//	salamander config check FILE [flags]     check a configuration without starting anything
//	salamander version                       print the version, commit, Go version and preset
//	salamander db compact|verify [flags]     offline database maintenance
//	salamander validator slashing-protection export|import [flags] FILE
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the node failed while running, or could not start
	exitUsage   = 2 // a bad command line or configuration: nothing was started
	// exitForced follows the shell's convention for death by SIGINT (128+2): a second signal cut shutdown short.
	exitForced = 130
)

// app is what a command may touch of the process, so that tests run commands in-process.
type app struct {
	stdout, stderr io.Writer
	environ        []string
	// signals delivers SIGINT and SIGTERM.
	signals <-chan os.Signal
}

func main() {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	a := app{stdout: os.Stdout, stderr: os.Stderr, environ: os.Environ(), signals: signals}
	os.Exit(a.main(os.Args[1:]))
}

const usage = `Salamander, an Ethereum consensus-layer client.

Usage:
  salamander run [--config FILE] [flags]   run a node
  salamander dev [flags]                   run a local devnet on built-in defaults
  salamander config check FILE [flags]     check a configuration file with the environment and flags applied
  salamander version                       print the version, commit, Go version and preset
  salamander db compact|verify [flags]     offline database maintenance ("salamander db help")
  salamander validator slashing-protection export|import [flags] FILE
                                           EIP-3076 slashing protection interchange ("salamander validator help")

Run "salamander COMMAND --help" for a command's flags. Configuration: defaults < TOML file <
SALAMANDER_<SECTION>_<KEY> environment variables < flags given on the command line.
`

// main runs the command in args and returns the process's exit code.
func (a app) main(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return a.runCommand(rest)
	case "dev":
		return a.devCommand(rest)
	case "config":
		if len(rest) == 0 || rest[0] != "check" {
			fmt.Fprintln(a.stderr, `salamander config: want "salamander config check FILE"`)
			return exitUsage
		}
		return a.configCheckCommand(rest[1:])
	case "version":
		return a.versionCommand(rest)
	case "db":
		return a.dbCommand(rest)
	case "validator":
		return a.validatorCommand(rest)
	case "help", "-h", "--help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(a.stderr, "salamander: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting, with a usage line for the command.
func (a app) newFlagSet(name, synopsis string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: %s\n\nFlags:\n%s", synopsis, fs.FlagUsages())
	}
	return fs
}

// parseFlags parses args into fs. ok is false when the command must return code at once: after --help (0), or
// after a bad flag (2), which it reports.
func (a app) parseFlags(fs *pflag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, pflag.ErrHelp):
		return exitOK, false
	case err != nil:
		fmt.Fprintf(a.stderr, "salamander %s: %v\nRun \"salamander %s --help\" for its flags.\n", fs.Name(), err, fs.Name())
		return exitUsage, false
	}
	return exitOK, true
}

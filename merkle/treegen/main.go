// Command treegen writes the DefineTree methods (package merkle) of a package's SSZ containers, derived from their
// DefineSSZ methods: every ssz.DefineX(c, args...) or sszkit.DefineX(c, args...) becomes merkle.DefineX(c, "name",
// args...), where name is the spec name of the field the arguments refer to; the *Content calls are left out. A
// DefineSSZ that does anything else is an error, so that a container cannot silently lose its tree.
//
// Package types runs it with `go generate ./types`; `-check` fails when the file is out of date.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	dir := flag.String("dir", ".", "the package directory")
	output := flag.String("out", "tree_methods.go", "the file to write, in the package directory")
	check := flag.Bool("check", false, "fail if the file is not up to date instead of writing it")
	flag.Parse()

	if err := run(*dir, *output, *check); err != nil {
		fmt.Fprintf(os.Stderr, "treegen: %v\n", err)
		os.Exit(1)
	}
}

func run(dir, output string, check bool) error {
	src, err := generate(dir, output)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, output)
	if check {
		current, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Equal(current, src) {
			return fmt.Errorf("%s is out of date: run `go generate ./types`", path)
		}
		return nil
	}
	return os.WriteFile(path, src, 0o644)
}

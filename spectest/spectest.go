// Package spectest runs the official consensus-spec-tests vectors.
//
// The Case/Registry API below is shared by every runner author (bls, ssz_static, ssz_generic, merkle_proof, and
// later operations, fork_choice, ...): extend it, but keep these signatures stable.
package spectest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/golang/snappy"
	"gopkg.in/yaml.v3"
)

// Case is one test case: a directory tests/<Preset>/<Fork>/<Runner>/<Handler>/<Suite>/<Name>/, or, for the
// bls12-381-tests suite, a single file bls12-381-tests/<Handler>/<Name>.yaml (Preset "bls12-381-tests",
// Runner "bls", Suite "").
type Case struct {
	Preset, Fork, Runner, Handler, Suite, Name string
	Dir                                        string // the case directory, or the folder that holds File
	File                                       string // set only for single-file cases
}

// ReadSSZ returns the snappy-decoded contents of <Dir>/<name>.ssz_snappy.
func (c Case) ReadSSZ(name string) ([]byte, error) {
	compressed, err := os.ReadFile(filepath.Join(c.Dir, name+".ssz_snappy"))
	if err != nil {
		return nil, err
	}
	raw, err := snappy.Decode(nil, compressed)
	if err != nil {
		return nil, fmt.Errorf("snappy-decode %s.ssz_snappy: %w", name, err)
	}
	return raw, nil
}

// ReadYAML decodes <Dir>/<name>.yaml into v; name "" reads File.
func (c Case) ReadYAML(name string, v any) error {
	path := c.File
	if name != "" {
		path = filepath.Join(c.Dir, name+".yaml")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", filepath.Base(path), err)
	}
	return nil
}

// Exists reports whether the case directory holds file (a name with its extension).
func (c Case) Exists(file string) bool {
	_, err := os.Stat(filepath.Join(c.Dir, file))
	return err == nil
}

// Handler runs one case as a subtest.
type Handler func(t *testing.T, c Case)

// Registry maps runner and handler names to their Handler.
type Registry struct {
	handlers map[[2]string]Handler
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{handlers: make(map[[2]string]Handler)}
}

// Handle registers h for a runner's handler; handler "" serves every handler of that runner.
func (r *Registry) Handle(runner, handler string, h Handler) {
	key := [2]string{runner, handler}
	if _, dup := r.handlers[key]; dup {
		panic(fmt.Sprintf("spectest: handler %s/%s registered twice", runner, handler))
	}
	r.handlers[key] = h
}

// Lookup returns the Handler for a runner's handler: an exact registration first, then the runner-wide one.
func (r *Registry) Lookup(runner, handler string) (Handler, bool) {
	if h, ok := r.handlers[[2]string{runner, handler}]; ok {
		return h, true
	}
	h, ok := r.handlers[[2]string{runner, ""}]
	return h, ok
}

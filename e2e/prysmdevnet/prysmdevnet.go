// Package prysmdevnet brings up a real Prysm v7 devnet (beacon node, validator with 64 interop keys, geth) on
// loopback for end-to-end tests, with ../shared/peers/prysm-devnet.sh, in its own run directory and on free
// ports, and stops it when the test ends. Every e2e test that needs Prysm starts it here.
package prysmdevnet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// Devnet is a running Prysm devnet.
type Devnet struct {
	Script string // prysm-devnet.sh
	RunDir string // its RUN_DIR: config.yaml, genesis.ssz, beacon.log, ...
	API    string // Prysm's Beacon API, http://127.0.0.1:<port>
	Env    []string

	Spec    *params.Spec // from the devnet's config.yaml
	ENR     string       // Prysm's ENR, a discv5 bootnode
	PeerID  string       // Prysm's libp2p peer ID
	Genesis time.Time
	GVR     primitives.Root
}

// ChainConfig is the devnet's config.yaml, in the consensus-specs format.
func (d *Devnet) ChainConfig() string { return filepath.Join(d.RunDir, "config.yaml") }

// GenesisState is the devnet's genesis state, SSZ.
func (d *Devnet) GenesisState() string { return filepath.Join(d.RunDir, "genesis.ssz") }

// RepoRoot is the repository's directory, found from this file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Start brings up a fresh devnet on free loopback ports and stops it when t ends (with the tails of Prysm's logs
// when t failed). It skips t when ../shared/peers is not beside the repository, and when this binary's preset is
// not mainnet: a plain build of Prysm has only the mainnet preset.
func Start(t testing.TB) *Devnet {
	t.Helper()
	if params.PresetName != "mainnet" {
		t.Skipf("Prysm's devnet runs the mainnet preset; this test binary has the %s preset", params.PresetName)
	}
	script := filepath.Join(RepoRoot(), "..", "shared", "peers", "prysm-devnet.sh")
	if _, err := os.Stat(script); err != nil {
		t.Skipf("no Prysm devnet script at %s (../shared/peers is not present): %v", script, err)
	}
	runDir := filepath.Join(t.TempDir(), "prysm")
	d := &Devnet{Script: script, RunDir: runDir}
	ports := map[string]int{}
	for _, name := range []string{"EL_AUTH", "EL_HTTP", "EL_P2P", "CL_HTTP", "CL_RPC", "CL_TCP", "CL_METRICS", "VC_METRICS"} {
		ports[name] = FreePort(t)
	}
	ports["CL_UDP"] = FreeUDPPort(t)
	ports["CL_QUIC"] = FreeUDPPort(t)
	d.Env = append(os.Environ(), "RUN_DIR="+runDir, "GENESIS_DELAY=20")
	for name, port := range ports {
		d.Env = append(d.Env, fmt.Sprintf("%s=%d", name, port))
	}
	d.API = fmt.Sprintf("http://127.0.0.1:%d", ports["CL_HTTP"])

	t.Cleanup(func() {
		stop := exec.Command(script, "stop")
		stop.Env = d.Env
		if out, err := stop.CombinedOutput(); err != nil {
			t.Logf("prysm-devnet.sh stop: %v\n%s", err, out)
		}
		if t.Failed() {
			for _, log := range []string{"beacon.log", "validator.log"} {
				if tail, err := TailFile(filepath.Join(runDir, log), 6000); err == nil {
					t.Logf("%s (tail):\n%s", log, tail)
				}
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute) // a first run builds Prysm
	defer cancel()
	up := exec.CommandContext(ctx, script, "up")
	up.Env = d.Env
	out, err := up.CombinedOutput()
	if err != nil {
		t.Fatalf("prysm-devnet.sh up: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "enr="); ok {
			d.ENR = v
		}
		if v, ok := strings.CutPrefix(line, "peer_id="); ok {
			d.PeerID = v
		}
	}
	if !strings.HasPrefix(d.ENR, "enr:") || d.PeerID == "" || d.PeerID == "null" {
		t.Fatalf("no ENR or peer id in the script's output:\n%s", out)
	}
	cfg, warnings, err := params.LoadConfigFile(d.ChainConfig())
	if err != nil {
		t.Fatalf("Prysm's chain config: %v", err)
	}
	for _, w := range warnings {
		t.Logf("config.yaml: %s", w)
	}
	if d.Spec, err = params.NewSpec(cfg); err != nil {
		t.Fatal(err)
	}

	var g struct {
		Data struct {
			GenesisTime string `json:"genesis_time"`
			GVR         string `json:"genesis_validators_root"`
		} `json:"data"`
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		code, err := d.get("/eth/v1/beacon/genesis", &g)
		if code == http.StatusOK && err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prysm's Beacon API at %s did not serve the genesis: HTTP %d %v", d.API, code, err)
		}
		time.Sleep(time.Second)
	}
	secs, err := strconv.ParseInt(g.Data.GenesisTime, 10, 64)
	if err != nil {
		t.Fatalf("genesis time %q: %v", g.Data.GenesisTime, err)
	}
	d.Genesis = time.Unix(secs, 0)
	raw, err := hex.DecodeString(strings.TrimPrefix(g.Data.GVR, "0x"))
	if err != nil || len(raw) != 32 {
		t.Fatalf("genesis validators root %q", g.Data.GVR)
	}
	copy(d.GVR[:], raw)
	return d
}

// GetJSON GETs path from Prysm's Beacon API and decodes a 200 answer into out; it returns the status code.
func (d *Devnet) GetJSON(t testing.TB, path string, out any) int {
	t.Helper()
	code, err := d.get(path, out)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (d *Devnet) get(path string, out any) (int, error) {
	resp, err := http.Get(d.API + path)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			return resp.StatusCode, fmt.Errorf("GET %s: %w: %s", path, err, body)
		}
	}
	return resp.StatusCode, nil
}

// HeadSlot is the slot of Prysm's head block.
func (d *Devnet) HeadSlot(t testing.TB) primitives.Slot {
	t.Helper()
	slot, _ := d.Head(t)
	return slot
}

// Head is Prysm's head block: its slot and root (0x-prefixed hex).
func (d *Devnet) Head(t testing.TB) (primitives.Slot, string) {
	t.Helper()
	var h struct {
		Data struct {
			Root   string `json:"root"`
			Header struct {
				Message struct {
					Slot string `json:"slot"`
				} `json:"message"`
			} `json:"header"`
		} `json:"data"`
	}
	if code := d.GetJSON(t, "/eth/v1/beacon/headers/head", &h); code != http.StatusOK {
		t.Fatalf("head header: HTTP %d", code)
	}
	s, err := strconv.ParseUint(h.Data.Header.Message.Slot, 10, 64)
	if err != nil {
		t.Fatalf("head slot %q: %v", h.Data.Header.Message.Slot, err)
	}
	return primitives.Slot(s), h.Data.Root
}

// WaitHeadSlot waits until Prysm's head reaches slot, for up to 3 minutes.
func (d *Devnet) WaitHeadSlot(t testing.TB, slot primitives.Slot) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for d.HeadSlot(t) < slot {
		if time.Now().After(deadline) {
			t.Fatalf("Prysm's head did not reach slot %d", slot)
		}
		time.Sleep(time.Second)
	}
}

// PeerState is how Prysm sees a peer (/eth/v1/node/peers/{id}): "connected", "disconnected", ..., or "" when it
// does not know it.
func (d *Devnet) PeerState(t testing.TB, id string) string {
	t.Helper()
	var p struct {
		Data struct {
			State string `json:"state"`
		} `json:"data"`
	}
	if d.GetJSON(t, "/eth/v1/node/peers/"+id, &p) != http.StatusOK {
		return ""
	}
	return p.Data.State
}

// FreePort is a loopback port free for TCP and UDP alike, since some of the devnet's ports serve both.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		_ = u.Close()
		return port
	}
	t.Fatal("no free port")
	return 0
}

// FreeUDPPort is a free loopback UDP port.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TailFile is the last n bytes of a file.
func TailFile(path string, n int64) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if int64(len(data)) > n {
		data = data[int64(len(data))-n:]
	}
	return strings.TrimSpace(string(data)), nil
}

package main

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

const testENR = "enr:-Iu4QLm7bZGdAt9NSeJG0cEnJohWcQTQaI9wFLu3Q7eHIDfrI4cwtzvEW3F3VbG9XdFXlrHyFGeXPn9snTCQJ9bnMRABgmlkgnY0gmlwhAOTJQCJc2VjcDI1NmsxoQIZdZD6tDYpkpEfVo5bgiU8MGRjhcOmHGD2nErK0UKRrIN0Y3CCIyiDdWRwgiMo"

func TestNetworkOptionsFromConfig(t *testing.T) {
	chain := newTestChain(t)
	dataDir := t.TempDir()
	key := filepath.Join(t.TempDir(), "key")
	static := "/ip4/127.0.0.1/tcp/9100/p2p/16Uiu2HAmK3tAACGWdz7qv8LiDkPmdosoiQy2j82PEQKLYqRXovsL"
	args := append([]string{"--data-dir", dataDir, "--p2p-listen-tcp", "127.0.0.1:9101", "--p2p-listen-udp", "127.0.0.1:9102",
		"--p2p-listen-quic", "127.0.0.1:9103", "--p2p-bootnodes", testENR, "--p2p-static-peers", static,
		"--p2p-target-peers", "12", "--p2p-max-peers", "20", "--p2p-node-key", key, "--p2p-subscribe-all-subnets"}, chain.args...)
	cfg := loadTestConfig(t, (app{stderr: &bytes.Buffer{}}).newFlagSet("run", ""), args)
	storeCfg := storeConfig(cfg)
	start := chainStart{genesis: time.Unix(1_700_000_000, 0), gvr: primitives.Root{0xab}, hasChain: true}

	p := networkOptions(cfg, start, storeCfg).Peers
	if !p.Enabled() || p.DataDir != dataDir || p.NodeKey != key {
		t.Errorf("data dir %q node key %q, want %q and %q", p.DataDir, p.NodeKey, dataDir, key)
	}
	if p.ListenTCP != netip.MustParseAddrPort("127.0.0.1:9101") || p.ListenUDP != netip.MustParseAddrPort("127.0.0.1:9102") ||
		p.ListenQUIC != netip.MustParseAddrPort("127.0.0.1:9103") {
		t.Errorf("listen %s %s %s", p.ListenTCP, p.ListenUDP, p.ListenQUIC)
	}
	if !slices.Equal(p.Bootnodes, []string{testENR}) || !slices.Equal(p.StaticPeers, []string{static}) {
		t.Errorf("bootnodes %v static peers %v", p.Bootnodes, p.StaticPeers)
	}
	if p.TargetPeers != 12 || p.MaxPeers != 20 || !p.SubscribeAllSubnets {
		t.Errorf("target %d max %d all subnets %v", p.TargetPeers, p.MaxPeers, p.SubscribeAllSubnets)
	}
	if p.Spec != cfg.Chain.Spec || !p.Genesis.Equal(start.genesis) || p.GenesisValidatorsRoot == nil ||
		*p.GenesisValidatorsRoot != start.gvr || p.Reader != storeCfg.Options.Reader {
		t.Errorf("chain: spec %p (want %p), genesis %s, gvr %v, reader %p", p.Spec, cfg.Chain.Spec, p.Genesis,
			p.GenesisValidatorsRoot, p.Reader)
	}
	g := networkOptions(cfg, start, storeCfg).Gossip
	if g.Spec != cfg.Chain.Spec || !g.Genesis.Equal(start.genesis) {
		t.Errorf("gossip config %+v", g)
	}

	// Without a chain there is no genesis validators root, so no network to join.
	if networkOptions(cfg, chainStart{genesis: start.genesis}, storeCfg).Peers.Enabled() {
		t.Error("network on without a chain")
	}
}

func TestRunRefusesAListenAddressInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	chain := chainFromFile(t, "")
	genesisPath := writeGenesis(t, chain)
	addr := busy.Addr().String()
	code, logs := runToEnd(t, append([]string{"run", "--data-dir", t.TempDir(), "--genesis-state", genesisPath,
		"--p2p-listen-tcp", addr}, chain.args...)...)
	if code != exitFailure {
		t.Fatalf("exit %d with p2p.listen_tcp in use, want 1:\n%s", code, logs)
	}
	e, ok := find(logs, "Cannot listen for peers")
	if !ok || !strings.Contains(e.str("err"), "p2p.listen_tcp "+addr) {
		t.Fatalf("no failure naming p2p.listen_tcp %s:\n%s", addr, logs)
	}

	// A UDP port in use by another process.
	busyUDP, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busyUDP.Close()
	udp := busyUDP.LocalAddr().String()
	code, logs = runToEnd(t, append([]string{"run", "--data-dir", t.TempDir(), "--genesis-state", genesisPath,
		"--p2p-listen-udp", udp}, chain.args...)...)
	if e, ok := find(logs, "Cannot listen for peers"); code != exitFailure || !ok || !strings.Contains(e.str("err"), "p2p.listen_udp "+udp) {
		t.Fatalf("exit %d with p2p.listen_udp %s in use, want 1 naming it:\n%s", code, udp, logs)
	}

	// Discovery and QUIC on one UDP port: a configuration error, before anything starts.
	code, logs = runToEnd(t, append([]string{"run", "--data-dir", t.TempDir(), "--genesis-state", genesisPath,
		"--p2p-listen-udp", "127.0.0.1:9555", "--p2p-listen-quic", "127.0.0.1:9555"}, chain.args...)...)
	if code != exitUsage || !strings.Contains(logs, "p2p.listen_quic") {
		t.Fatalf("exit %d with discv5 and QUIC on one port, want 2 naming p2p.listen_quic:\n%s", code, logs)
	}
}

// writeGenesis writes a Fulu genesis state of chain, as start-up checks it, and returns its path.
func writeGenesis(t *testing.T, chain testChain) string {
	t.Helper()
	fulu := chain.spec.ForkVersion(params.Fulu)
	genesis := &types.BeaconState{
		GenesisTime:           1_750_000_000,
		GenesisValidatorsRoot: primitives.Root{0x9e},
		Fork:                  &types.Fork{PreviousVersion: fulu, CurrentVersion: fulu},
		LatestBlockHeader:     &types.BeaconBlockHeader{BodyRoot: types.HashTreeRoot(&types.BeaconBlockBody{})},
	}
	data, err := types.Marshal(genesis)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "genesis.ssz")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Replays a chain exported by `salamander db export-chain DIR` through Lodestar's Fulu state transition and checks
// every post-state root: Lodestar's must equal the block's state_root, which our node computed and checked.
//
//   LODESTAR_PRESET=minimal|mainnet node replay_chain.mjs EXPORT_DIR
//
// The script must sit beside the node_modules that ../shared/peers/lodestar-stf.sh installed: ES modules resolve
// packages from the importing file's directory. The chain config is the preset's with every fork at epoch 0 (a
// devnet that began at Fulu) and the export's slot time, set both as SECONDS_PER_SLOT and SLOT_DURATION_MS since
// Lodestar reads either; payload timestamps depend on it.
//
// Output, one JSON object per line on stdout:
//   {"slot", "root", "want", "ok", "ms"}   per block: Lodestar's post-state root and the block's state_root
//   {"done": true, "blocks", "mismatches", "ms"}
//   {"error": "..."} on failure (a transition Lodestar refuses included), after which the script exits 1.
import fs from "node:fs";
import path from "node:path";

const fail = (err) => {
  process.stdout.write(JSON.stringify({error: String(err?.stack ?? err)}) + "\n");
  process.exit(1);
};

try {
  await main();
} catch (err) {
  fail(err);
}

async function main() {
  const {ssz} = await import("@lodestar/types");
  const st = await import("@lodestar/state-transition");
  const {createBeaconConfig, createChainForkConfig} = await import("@lodestar/config");
  const {mainnetChainConfig, minimalChainConfig} = await import("@lodestar/config/configs");

  const dir = process.argv[2];
  if (!dir) throw new Error("usage: replay_chain.mjs EXPORT_DIR");
  const read = (name) => fs.readFileSync(path.join(dir, name));
  const manifest = JSON.parse(read("manifest.json"));
  const minimal = process.env.LODESTAR_PRESET === "minimal";
  if (manifest.preset !== (minimal ? "minimal" : "mainnet")) {
    throw new Error(`the export is of the ${manifest.preset} preset, LODESTAR_PRESET is ${process.env.LODESTAR_PRESET}`);
  }
  const chainConfig = {
    ...(minimal ? minimalChainConfig : mainnetChainConfig),
    ALTAIR_FORK_EPOCH: 0, BELLATRIX_FORK_EPOCH: 0, CAPELLA_FORK_EPOCH: 0, DENEB_FORK_EPOCH: 0,
    ELECTRA_FORK_EPOCH: 0, FULU_FORK_EPOCH: 0,
    SECONDS_PER_SLOT: manifest.seconds_per_slot,
    SLOT_DURATION_MS: manifest.seconds_per_slot * 1000,
  };

  const hex = (root) => "0x" + Buffer.from(root).toString("hex");
  const started = performance.now();
  const view = ssz.fulu.BeaconState.deserializeToViewDU(read(manifest.anchor.file));
  const config = createBeaconConfig(createChainForkConfig(chainConfig), view.genesisValidatorsRoot);
  let state = st.createCachedBeaconState(view, {config, pubkeyCache: st.createPubkeyCache()});
  const anchorRoot = hex(state.hashTreeRoot());
  if (anchorRoot !== manifest.anchor.state_root) {
    throw new Error(`anchor state root ${anchorRoot}, the manifest says ${manifest.anchor.state_root}`);
  }

  const opts = {
    // The root is compared below, where a mismatch is reported rather than thrown.
    verifyStateRoot: false,
    verifyProposer: true,
    verifySignatures: true,
    executionPayloadStatus: st.ExecutionPayloadStatus.valid,
    dataAvailabilityStatus: st.DataAvailabilityStatus.Available,
  };
  let mismatches = 0;
  for (const b of manifest.blocks) {
    const blockStart = performance.now();
    const block = ssz.fulu.SignedBeaconBlock.deserialize(read(b.file));
    state = st.stateTransition(state, block, opts);
    const root = hex(state.hashTreeRoot());
    const want = hex(block.message.stateRoot);
    const ok = root === want && want === b.state_root;
    if (!ok) mismatches++;
    process.stdout.write(JSON.stringify({slot: b.slot, root, want, ok, ms: performance.now() - blockStart}) + "\n");
  }
  process.stdout.write(JSON.stringify({done: true, blocks: manifest.blocks.length, mismatches,
    ms: performance.now() - started}) + "\n");
}

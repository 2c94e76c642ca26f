// Lodestar's side of stfbench (bench/cmd/stfbench): loads a fixture written by transition/fixture and times
// Lodestar's Fulu state transition on it, one operation per command read from stdin, so that the Go side can
// alternate Lodestar's runs with its own under the same machine load.
//
//   LODESTAR_PRESET=mainnet|minimal node --expose-gc --max-old-space-size=16384 stf.mjs FIXTURE_DIR
//
// The script must sit beside the node_modules that ../shared/peers/lodestar-stf.sh (or npm with package.json)
// installed: ES modules resolve packages from the importing file's directory.
//
// Output, one JSON object per line on stdout:
//   {"ready": true, "setupMs", "postStateRoot", "epochPostStateRoot", "rssBytes", "peakRssBytes"}  after loading; the roots
//       come from an untimed first run of each operation, which also warms Lodestar's caches as a running node has them
//       (shufflings, decompressed keys)
//   {"op", "ms", "cpuMs", "root"}  per command:
//       import  stateTransition of the block on the pre-state: process_slots, every signature, process_block and
//               the state root check (Lodestar verifies the signatures inline, one set after another)
//       epoch   processSlots of the epoch state to the next slot: process_slot and the epoch transition
//       root    hashTreeRoot of the block's post-state, computed without its root beforehand
//   {"op": "memory", "rssBytes", "peakRssBytes"}
//   {"error": "..."} on failure, after which the script exits 1.
// "quit" or the end of stdin ends the script.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";

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
  if (!dir) throw new Error("usage: stf.mjs FIXTURE_DIR");
  const read = (name) => fs.readFileSync(path.join(dir, name));
  const meta = JSON.parse(read("fixture.json"));
  const minimal = process.env.LODESTAR_PRESET === "minimal";
  if (meta.preset !== (minimal ? "minimal" : "mainnet")) {
    throw new Error(`the fixture is for the ${meta.preset} preset, LODESTAR_PRESET is ${process.env.LODESTAR_PRESET}`);
  }
  // Mainnet's own config, in which the fixture's epochs are Fulu; the minimal preset's fixture states are Fulu
  // from genesis.
  const chainConfig = minimal
    ? {...minimalChainConfig, ALTAIR_FORK_EPOCH: 0, BELLATRIX_FORK_EPOCH: 0, CAPELLA_FORK_EPOCH: 0,
       DENEB_FORK_EPOCH: 0, ELECTRA_FORK_EPOCH: 0, FULU_FORK_EPOCH: 0}
    : mainnetChainConfig;

  const setupStart = performance.now();
  const preView = ssz.fulu.BeaconState.deserializeToViewDU(read("pre-state.ssz"));
  const config = createBeaconConfig(createChainForkConfig(chainConfig), preView.genesisValidatorsRoot);
  const pubkeyCache = st.createPubkeyCache();
  const pre = st.createCachedBeaconState(preView, {config, pubkeyCache});
  const epochState = st.createCachedBeaconState(ssz.fulu.BeaconState.deserializeToViewDU(read("epoch-state.ssz")),
    {config, pubkeyCache});
  const block = ssz.fulu.SignedBeaconBlock.deserialize(read("block.ssz"));
  // Hash the states once, as a node has hashed the states it holds: the transitions' hashing is incremental.
  pre.hashTreeRoot();
  epochState.hashTreeRoot();

  const importOpts = {
    verifyStateRoot: true,
    verifyProposer: true,
    verifySignatures: true,
    executionPayloadStatus: st.ExecutionPayloadStatus.valid,
    dataAvailabilityStatus: st.DataAvailabilityStatus.Available,
  };
  const hex = (root) => "0x" + Buffer.from(root).toString("hex");
  // Each operation runs on a warm copy of its state, made untimed, and returns the state it leads to; that
  // state's root is computed after the timing (import has computed it already, to check it).
  const ops = {
    import: (state) => st.stateTransition(state, block, importOpts),
    epoch: (state) => st.processSlots(state, state.slot + 1),
  };
  const from = {import: pre, epoch: epochState};
  // First runs, untimed: the roots to check, and warm caches (shufflings, decompressed keys, the tree views).
  const postStateRoot = hex(ops.import(warmClone(pre)).hashTreeRoot());
  const epochPostStateRoot = hex(ops.epoch(warmClone(epochState)).hashTreeRoot());
  const setupMs = performance.now() - setupStart;
  print({ready: true, setupMs, postStateRoot, epochPostStateRoot, ...memory()});

  const lines = readline.createInterface({input: process.stdin});
  for await (const line of lines) {
    const op = line.trim();
    switch (op) {
      case "":
        break;
      case "quit":
        lines.close();
        return;
      case "memory":
        print({op, ...memory()});
        break;
      case "import":
      case "epoch": {
        const state = warmClone(from[op]);
        print({op, ...timed(() => ops[op](state))});
        break;
      }
      case "root": {
        // The post-state with its changes committed to the tree but not hashed: what stateTransition hashes
        // last (it commits before hashing, so the commit is not timed here either).
        const post = st.stateTransition(warmClone(pre), block, {...importOpts, verifyStateRoot: false});
        print({op, ...timed(() => {
          post.hashTreeRoot();
          return post;
        })});
        break;
      }
      default:
        throw new Error(`unknown command ${JSON.stringify(op)}`);
    }
  }
}

// warmClone returns a copy of state (sharing its tree) whose views of the per-validator lists hold every node, as
// if all of it had been read. Every run starts from such a copy: a transition transfers its input's view caches to
// its output (clone() without dontTransferCache), so reusing one input would start every run after the first with
// cold views. (At a million validators the two ways measure within a few percent of each other.)
function warmClone(state) {
  const copy = state.clone(true);
  copy.validators.populateAllNodes();
  copy.balances.getAll();
  copy.inactivityScores.getAll();
  copy.previousEpochParticipation.getAll();
  copy.currentEpochParticipation.getAll();
  return copy;
}

// timed runs fn after a full garbage collection, so that one run does not pay for the garbage of the last, and
// returns its wall and CPU time (all of the process's threads) and the root of the state fn returned, computed
// after the timing.
function timed(fn) {
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const state = fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {ms, cpuMs: (used.user + used.system) / 1000, root: "0x" + Buffer.from(state.hashTreeRoot()).toString("hex")};
}

function memory() {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const kib = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0) * 1024;
  return {rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM")};
}

function print(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

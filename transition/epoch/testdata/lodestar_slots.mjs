// Runs Lodestar's process_slots on a Fulu state, as an independent implementation to compare ours with.
//
//   LODESTAR_PRESET=mainnet|minimal node lodestar_slots.mjs PRE.ssz SLOTS RUNS
//
// Prints one JSON line: the post-state root, and per run Lodestar's own epoch transition timings (its metrics:
// epochTransitionTime and the time of each step) and the process's CPU time over processSlots.
import fs from "node:fs";

const {ssz} = await import("@lodestar/types");
const st = await import("@lodestar/state-transition");
const {createBeaconConfig, createChainForkConfig} = await import("@lodestar/config");
const {mainnetChainConfig, minimalChainConfig} = await import("@lodestar/config/configs");

const [prePath, slotsArg, runsArg] = process.argv.slice(2);
const minimal = process.env.LODESTAR_PRESET === "minimal";
const base = minimal
  ? {...minimalChainConfig, ALTAIR_FORK_EPOCH: 0, BELLATRIX_FORK_EPOCH: 0, CAPELLA_FORK_EPOCH: 0, DENEB_FORK_EPOCH: 0,
     ELECTRA_FORK_EPOCH: 0, FULU_FORK_EPOCH: 0}
  : mainnetChainConfig;

const preState = ssz.fulu.BeaconState.deserializeToViewDU(fs.readFileSync(prePath));
const config = createBeaconConfig(createChainForkConfig(base), preState.genesisValidatorsRoot);
const pre = st.createCachedBeaconState(preState, {config, pubkeyCache: st.createPubkeyCache()});
pre.hashTreeRoot(); // hash once, so process_slot's hashing is incremental as in a running node

const runs = [];
let root = "";
for (let i = 0; i < Number(runsArg); i++) {
  const timings = {};
  const metrics = new Proxy({}, {
    get: (_, name) => ({
      startTimer: (labels) => {
        const start = performance.now();
        return () => {
          const key = labels?.step ? `${name}.${labels.step}` : name;
          timings[key] = (timings[key] ?? 0) + performance.now() - start;
        };
      },
      set() {}, inc() {}, observe() {},
    }),
  });
  const state = pre.clone();
  const cpu = process.cpuUsage();
  const post = st.processSlots(state, state.slot + Number(slotsArg), {}, {metrics});
  const used = process.cpuUsage(cpu);
  root = Buffer.from(post.hashTreeRoot()).toString("hex");
  runs.push({timings, cpuMs: (used.user + used.system) / 1000});
}
console.log(JSON.stringify({root, runs}));

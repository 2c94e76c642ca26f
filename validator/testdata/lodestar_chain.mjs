// Replays a Salamander devnet through Lodestar's state transition, as an independent judge of its genesis state
// and of the blocks its validators made.
//
//   LODESTAR_PRESET=mainnet|minimal node lodestar_chain.mjs DIR SECONDS_PER_SLOT
//
// DIR holds genesis.ssz (a Fulu BeaconState) and block-NNNNNN.ssz (SignedBeaconBlocks, in order). Every block goes
// through stateTransition with every check on: proposer and operation signatures, the state root. The chain config
// is the preset's with every fork at epoch 0. Prints one JSON line: the post-state root of each block.
import fs from "node:fs";
import path from "node:path";

const {ssz} = await import("@lodestar/types");
const st = await import("@lodestar/state-transition");
const {createBeaconConfig, createChainForkConfig} = await import("@lodestar/config");
const {mainnetChainConfig, minimalChainConfig} = await import("@lodestar/config/configs");

const [dir, secondsPerSlot] = process.argv.slice(2);
const base = process.env.LODESTAR_PRESET === "minimal" ? minimalChainConfig : mainnetChainConfig;
const chainConfig = {
  ...base,
  ALTAIR_FORK_EPOCH: 0, BELLATRIX_FORK_EPOCH: 0, CAPELLA_FORK_EPOCH: 0, DENEB_FORK_EPOCH: 0, ELECTRA_FORK_EPOCH: 0,
  FULU_FORK_EPOCH: 0,
  SECONDS_PER_SLOT: Number(secondsPerSlot), SLOT_DURATION_MS: Number(secondsPerSlot) * 1000,
};

const genesis = ssz.fulu.BeaconState.deserializeToViewDU(fs.readFileSync(path.join(dir, "genesis.ssz")));
const config = createBeaconConfig(createChainForkConfig(chainConfig), genesis.genesisValidatorsRoot);
let state = st.createCachedBeaconState(genesis, {config, pubkeyCache: st.createPubkeyCache()});

const roots = [];
const blocks = fs.readdirSync(dir).filter((f) => f.startsWith("block-")).sort();
for (const file of blocks) {
  const block = ssz.fulu.SignedBeaconBlock.deserialize(fs.readFileSync(path.join(dir, file)));
  state = st.stateTransition(state, block, {
    executionPayloadStatus: st.ExecutionPayloadStatus.valid,
    dataAvailabilityStatus: st.DataAvailabilityStatus.Available,
    verifyStateRoot: true,
    verifyProposer: true,
    verifySignatures: true,
  });
  roots.push(Buffer.from(state.hashTreeRoot()).toString("hex"));
}
console.log(JSON.stringify({roots}));

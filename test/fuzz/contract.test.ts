// Fuzzing from the contract (issue 11): a seeded few-thousand-request pass over every documented
// operation of a live broker on the emulator. `npm run fuzz` runs the full pass and writes RELIABILITY.md.
// Replay a failure with its seed: FUZZ_SEED=<seed> sh scripts/with-node.sh node_modules/jest/bin/jest.js test/fuzz/contract.test.ts
import { describeFindings, runFuzz, type FuzzResult } from './fuzz';
import { writeFuzzingSection } from './report';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const FAULTS = process.env.FUZZ_FAULT_PROBABILITY === undefined ? {} : { faultProbability: Number(process.env.FUZZ_FAULT_PROBABILITY) };
const BATCH = process.env.FUZZ_BATCH === undefined ? {} : { batch: Number(process.env.FUZZ_BATCH) };

jest.setTimeout(Math.max(120_000, RUNS * 100));

let result: FuzzResult;

beforeAll(async () => {
  result = await runFuzz({ seed: SEED, runs: RUNS, ...FAULTS, ...BATCH, log: (line) => process.env.FUZZ_REPORT && console.log(line) });
  if (process.env.FUZZ_REPORT) {
    writeFuzzingSection(result);
    console.log(`known defects hit: ${result.known.length}\n${describeFindings(result.known, 6)}`);
  }
});

it('reaches every documented operation', () => {
  const reached = new Set(result.byRoute.keys());
  expect(result.operations.filter((op) => !reached.has(op))).toEqual([]);
  expect(result.requests).toBeGreaterThanOrEqual(RUNS);
  expect(result.logLines).toBeGreaterThanOrEqual(result.requests); // a log line per request at least, all scanned for secrets
});

it('finds no contract violation (no undocumented 5xx, error bodies and 2xx bodies as documented, no secret leaked)', () => {
  if (result.violations.length) {
    throw new Error(`fuzz seed ${result.seed} (replay: FUZZ_SEED=${result.seed} FUZZ_RUNS=${RUNS}): ${result.violations.length} violations\n${describeFindings(result.violations)}`);
  }
});

it('gets 2xx answers on most operations, so response schemas are really checked', () => {
  const withSuccess = [...result.byRoute.entries()].filter(([route, statuses]) => !route.startsWith('(off route)') && [...statuses.keys()].some((s) => s >= 200 && s < 300));
  expect(withSuccess.length).toBeGreaterThanOrEqual(Math.floor(result.operations.length * 0.8));
});

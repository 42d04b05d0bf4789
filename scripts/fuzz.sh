#!/bin/sh
# The full contract fuzz run (issue 11): FUZZ_RUNS requests (default 10 000) from seed FUZZ_SEED (default the
# test's fixed seed) against a live broker on the emulator; writes its figures into the Fuzzing section of
# RELIABILITY.md. Any violation fails the run and is printed with the seed that replays it.
set -e
cd "$(dirname "$0")/.."
sh scripts/prepare.sh --deps-only
export FUZZ_RUNS="${FUZZ_RUNS:-10000}"
export FUZZ_REPORT=1
exec sh scripts/with-node.sh node_modules/jest/bin/jest.js test/fuzz/contract.test.ts "$@"

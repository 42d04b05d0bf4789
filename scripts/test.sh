#!/bin/sh
# The whole test suite: type-check everything, then every jest project. Extra arguments go to jest.
set -e
cd "$(dirname "$0")/.."
sh scripts/prepare.sh --deps-only
sh scripts/with-node.sh node_modules/typescript/bin/tsc -p tsconfig.json --noEmit
sh scripts/with-node.sh node_modules/jest/bin/jest.js "$@"

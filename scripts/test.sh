#!/bin/sh
# The whole test suite: build, type-check everything, then every jest test. Extra arguments go to jest.
set -e
cd "$(dirname "$0")/.."
# prepare.sh installs dependencies when missing and builds dist/ (the process tests run dist/main.js).
sh scripts/prepare.sh
sh scripts/with-node.sh node_modules/typescript/bin/tsc -p tsconfig.json --noEmit
sh scripts/with-node.sh node_modules/typescript/bin/tsc -p web/tsconfig.json # the browser pages (DOM, JSX)
sh scripts/with-node.sh node_modules/jest/bin/jest.js "$@"
# The committed OpenAPI document (kept equal to the code by a jest test) against redocly.yaml.
sh scripts/with-node.sh node_modules/@redocly/cli/bin/cli.js lint openapi/openapi.yaml

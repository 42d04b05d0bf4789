#!/bin/sh
# Makes a fresh checkout runnable: installs dependencies when missing, then compiles TypeScript.
set -e
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsc ]; then
  echo "characters-broker: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
if [ "${1:-}" != "--deps-only" ]; then
  sh scripts/with-node.sh node_modules/typescript/bin/tsc -p tsconfig.build.json
  sh scripts/with-node.sh scripts/copy-assets.js
  sh scripts/with-node.sh scripts/build-web.js
fi

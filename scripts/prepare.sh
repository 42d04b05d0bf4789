#!/bin/sh
# Makes a checkout runnable: installs dependencies when missing, then compiles TypeScript when the
# sources changed since the last build (scripts/build-stamp.js). tsc is incremental (dist/.tsbuildinfo):
# a changed tree recompiles only what the change affects. FORCE_BUILD=1 always builds.
set -e
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsc ]; then
  echo "characters-broker: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
if [ "${1:-}" = "--deps-only" ]; then exit 0; fi
node_bin=$(sh scripts/node.sh)
if [ "${FORCE_BUILD:-0}" != 1 ] && "$node_bin" scripts/build-stamp.js check; then exit 0; fi
"$node_bin" node_modules/typescript/bin/tsc -p tsconfig.build.json --incremental --tsBuildInfoFile dist/.tsbuildinfo
"$node_bin" scripts/copy-assets.js
"$node_bin" scripts/build-web.js
"$node_bin" scripts/build-stamp.js write

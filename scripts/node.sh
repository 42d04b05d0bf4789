#!/bin/sh
# Prints the path of a Node.js >= 22 binary. This machine image ships Node 20, so when the installed
# Node is older we install the `node@24` package from the npm registry into .tools/ (once) and use that.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
need=22
if command -v node >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge "$need" ]; then command -v node; exit 0; fi
fi
bin="$root/.tools/node24/node_modules/node/bin/node"
if [ ! -x "$bin" ]; then
  echo "characters-broker: Node $(node -v 2>/dev/null || echo '(none)') is older than $need; installing Node 24 from the npm registry into .tools/ (one time)" >&2
  mkdir -p "$root/.tools/node24"
  npm install --prefix "$root/.tools/node24" --no-save --no-audit --no-fund --loglevel=error node@24 >&2
fi
echo "$bin"

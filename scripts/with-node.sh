#!/bin/sh
# Runs its arguments with a Node.js >= 22 (see scripts/node.sh).
set -e
node_bin=$(sh "$(dirname "$0")/node.sh")
exec "$node_bin" "$@"

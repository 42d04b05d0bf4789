#!/usr/bin/env bash
# Lints Dockerfile and docker-compose.yml. Prints one "ok"/"FAIL" line per check and exits non-zero
# if any check failed. Used by scripts/container-test.sh; runs alone too: bash scripts/lint-container.sh
#
#   compose    : dclint (npm, docker-compose-linter), every rule, warnings count as failures.
#   Dockerfile : dockerfile-utils (npm, the linter of the VS Code Docker language server), any
#                diagnostic counts as a failure; hadolint as well when it is on PATH (it cannot be
#                installed on our machines: not packaged in Debian bookworm, and the npm `hadolint`
#                wrapper downloads the binary from GitHub at run time); plus the project's own
#                rules below, which cover the hadolint rules that matter for this image.
# The npm tools are installed once, pinned, into .tools/container-lint (git-ignored).
set -uo pipefail
cd "$(dirname "$0")/.."

DCLINT_VERSION=3.1.0
DOCKERFILE_UTILS_VERSION=0.16.3
tools=.tools/container-lint
failed=0
ok() { printf '  ok   %s\n' "$*"; }
bad() { printf '  FAIL %s\n' "$*"; failed=$((failed + 1)); }

node_bin=$(sh scripts/node.sh) || { bad "lint: no Node.js >= 22"; exit 1; }
installed() { [ "$("$node_bin" -p "require('./$tools/node_modules/$1/package.json').version" 2>/dev/null)" = "$2" ]; }
if ! installed dclint "$DCLINT_VERSION" || ! installed dockerfile-utils "$DOCKERFILE_UTILS_VERSION"; then
  echo "lint: installing dclint@$DCLINT_VERSION dockerfile-utils@$DOCKERFILE_UTILS_VERSION into $tools"
  mkdir -p "$tools"
  timeout 300 npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "dclint@$DCLINT_VERSION" "dockerfile-utils@$DOCKERFILE_UTILS_VERSION" </dev/null \
    || { bad "lint: npm install of the lint tools failed"; exit 1; }
fi

# --- docker-compose.yml: dclint -------------------------------------------------------------------
if out=$("$node_bin" "$tools/node_modules/dclint/bin/dclint.cjs" --color=false --max-warnings 0 docker-compose.yml 2>&1); then
  ok "dclint $DCLINT_VERSION docker-compose.yml"
else
  printf '%s\n' "$out" | sed 's/^/       /'
  bad "dclint $DCLINT_VERSION docker-compose.yml"
fi

# --- Dockerfile: dockerfile-utils -----------------------------------------------------------------
out=$("$node_bin" "$tools/node_modules/dockerfile-utils/bin/dockerfile-utils" lint Dockerfile 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then
  ok "dockerfile-utils $DOCKERFILE_UTILS_VERSION lint Dockerfile"
else
  printf '%s\n' "$out" | sed 's/^/       /'
  bad "dockerfile-utils $DOCKERFILE_UTILS_VERSION lint Dockerfile"
fi

# --- Dockerfile: hadolint, only where it is installed ---------------------------------------------
if command -v hadolint >/dev/null 2>&1; then
  if out=$(hadolint Dockerfile 2>&1); then ok "hadolint $(hadolint --version 2>/dev/null | head -n1) Dockerfile"
  else printf '%s\n' "$out" | sed 's/^/       /'; bad "hadolint Dockerfile"; fi
fi

# --- Dockerfile: project rules (continuation lines joined; comments dropped) ----------------------
df=$(sed -e '/^[[:space:]]*#/d' Dockerfile | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
final=$(printf '%s\n' "$df" | awk 'toupper($1)=="FROM"{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}')
rule() { # $1 = description, $2.. = command that succeeds when the rule holds
  local what=$1; shift
  if "$@"; then ok "Dockerfile: $what"; else bad "Dockerfile: $what"; fi
}
has() { printf '%s\n' "$1" | grep -Eiq "$2"; }
rule "every FROM names a tag, never latest (DL3006, DL3007)" \
  bash -c '! printf "%s\n" "$1" | grep -Ei "^FROM[[:space:]]" | awk "{print \$2}" | grep -Eqv ":[^:]+$" \
           && ! printf "%s\n" "$1" | grep -Eiq "^FROM[[:space:]]+[^[:space:]]+:latest"' _ "$df"
rule "final stage runs as a non-root USER (DL3002)" \
  bash -c 'u=$(printf "%s\n" "$1" | grep -Ei "^USER[[:space:]]" | tail -n1 | awk "{print \$2}"); [ -n "$u" ] && [ "$u" != root ] && [ "$u" != 0 ]' _ "$final"
rule "CMD is exec form and starts node itself, not npm (DL3025)" has "$final" '^CMD[[:space:]]+\[[[:space:]]*"node"'
rule "final stage has a HEALTHCHECK" has "$final" '^HEALTHCHECK[[:space:]]+.*CMD'
rule "final stage sets NODE_ENV=production" has "$final" '^ENV[[:space:]]+NODE_ENV[= ]production'
rule "final stage installs with npm ci --omit=dev" has "$final" '^RUN[[:space:]].*npm ci .*--omit=dev'
rule "no npm install, only npm ci from the lock file (DL3016)" bash -c '! printf "%s\n" "$1" | grep -Eiq "npm (install|i) "' _ "$df"
rule "COPY instead of ADD (DL3020)" bash -c '! printf "%s\n" "$1" | grep -Eiq "^ADD[[:space:]]"' _ "$df"
rule "no sudo, no cd in RUN (DL3004, DL3003)" bash -c '! printf "%s\n" "$1" | grep -Ei "^RUN[[:space:]]" | grep -Eq "(^|[;&|[:space:]])(sudo|cd)[[:space:]]"' _ "$df"
rule "WORKDIR is absolute (DL3000)" bash -c '! printf "%s\n" "$1" | grep -Ei "^WORKDIR[[:space:]]" | grep -Evq "^WORKDIR[[:space:]]+/"' _ "$df"

exit $((failed > 0))

#!/usr/bin/env bash
# Container smoke test (npm run test:container): lints Dockerfile + docker-compose.yml, builds the
# image with podman, runs it and checks it from outside, then checks the compose wiring (standalone
# emulator + broker in live mode against it). Last line: "container: N passed, M failed".
#
# Needs root on a machine without podman (installs podman, runc, debootstrap with apt-get) and, when
# the local node:24-slim stand-in is missing, ../shared/tools/container/make-base-image.sh.
# Env knobs: IMAGE (tag to build), CONTAINER_STATE (podman settings + logs, default
# /var/tmp/characters-broker-container), MAKE_BASE_IMAGE (path of the shared script), SKIP_LINT=1.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

IMAGE=${IMAGE:-localhost/characters-broker:container-test}
STATE=${CONTAINER_STATE:-/var/tmp/characters-broker-container}
MAKE_BASE_IMAGE=${MAKE_BASE_IMAGE:-$root/../shared/tools/container/make-base-image.sh}
RUN_ID=cbtest-$$
BROKER=$RUN_ID-broker
EMULATOR=$RUN_ID-emulator
LIVE=$RUN_ID-live
T0=$(date +%s)
passed=0
failed=0

say() { printf '[container] %s\n' "$*"; }
ok() { passed=$((passed + 1)); printf '  ok   %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf '  FAIL %s\n' "$*"; }
check() { # $1 = description, rest = command
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
elapsed() { echo "$(($(date +%s) - $1))s"; }

cleanup() {
  if command -v podman >/dev/null 2>&1; then
    for c in "$LIVE" "$EMULATOR" "$BROKER"; do
      timeout 60 podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
    done
  fi
}
finish() {
  local rc=$?
  trap - EXIT INT TERM
  cleanup
  [ "$failed" -eq 0 ] && [ "$passed" -eq 0 ] && failed=1 # nothing ran: never report success
  say "total $(elapsed "$T0")"
  echo "container: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$rc" -eq 0 ] && exit 0
  exit 1
}
trap finish EXIT
trap 'say "interrupted"; failed=$((failed + 1)); exit 130' INT TERM
abort() { bad "$*"; exit 1; }

# Shows the last lines of a log when a step fails.
show() { [ -s "$1" ] && tail -n "${2:-30}" "$1" | sed 's/^/       | /'; }

# --- 1. tools -----------------------------------------------------------------------------------
missing=()
for t in podman runc debootstrap curl; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || abort "missing ${missing[*]}; run as root (or install them) to let this script apt-get them"
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  t=$(date +%s)
  if ! timeout 600 apt-get install -y --no-install-recommends "${missing[@]}" </dev/null >/tmp/$RUN_ID-apt.log 2>&1; then
    timeout 300 apt-get update </dev/null >>/tmp/$RUN_ID-apt.log 2>&1
    timeout 600 apt-get install -y --no-install-recommends "${missing[@]}" </dev/null >>/tmp/$RUN_ID-apt.log 2>&1 \
      || { show /tmp/$RUN_ID-apt.log; abort "apt-get install ${missing[*]}"; }
  fi
  say "installed in $(elapsed "$t")"
fi
mkdir -p "$STATE" || abort "cannot create $STATE"
: >"$STATE/podman.log"
node_bin=$(sh scripts/node.sh) || abort "no Node.js >= 22 on the host (scripts/node.sh)"
export CONTAINERS_CONF=$STATE/containers.conf

# --- 2. base image (local stand-in for node:24-slim) + podman settings for this host --------------
# The shared script is idempotent: it rewrites containers.conf (cheap) and exits early when the
# image exists.
t=$(date +%s)
if [ -x "$MAKE_BASE_IMAGE" ] || [ -f "$MAKE_BASE_IMAGE" ]; then
  if ! CONF_OUT=$CONTAINERS_CONF timeout 900 bash "$MAKE_BASE_IMAGE" </dev/null >"$STATE/base-image.log" 2>&1; then
    show "$STATE/base-image.log"; abort "base image (node:24-slim) via $MAKE_BASE_IMAGE"
  fi
elif ! timeout 30 podman image exists docker.io/library/node:24-slim || [ ! -s "$CONTAINERS_CONF" ]; then
  abort "node:24-slim is not in local storage and $MAKE_BASE_IMAGE is missing (set MAKE_BASE_IMAGE)"
fi
say "base image node:24-slim ready ($(elapsed "$t")); podman settings: $CONTAINERS_CONF"

# --- 3. lint -------------------------------------------------------------------------------------
if [ "${SKIP_LINT:-0}" != 1 ]; then
  say "lint"
  lint_out=$(bash scripts/lint-container.sh 2>&1)
  printf '%s\n' "$lint_out"
  passed=$((passed + $(printf '%s\n' "$lint_out" | grep -c '^  ok ')))
  failed=$((failed + $(printf '%s\n' "$lint_out" | grep -c '^  FAIL ')))
fi

# --- 4. build ------------------------------------------------------------------------------------
say "podman build --pull=never --format docker -t $IMAGE ."
t=$(date +%s)
if timeout 900 podman build --pull=never --format docker -t "$IMAGE" . </dev/null >"$STATE/build.log" 2>&1; then
  ok "image builds ($(elapsed "$t"); log $STATE/build.log)"
else
  if grep -q 'can only install packages when your package.json and package-lock.json' "$STATE/build.log"; then
    grep -E '^npm error (code|`npm ci`|Missing|Invalid)' "$STATE/build.log" | head -n 12 | sed 's/^/       | /'
    say "npm ci rejects package-lock.json (see Troubleshooting in docs/container.md)"
  else
    show "$STATE/build.log" 40
  fi
  abort "image builds ($(elapsed "$t"); log $STATE/build.log)"
fi

# --- 5. image metadata and contents ---------------------------------------------------------------
inspect() { timeout 30 podman image inspect -f "$1" "$IMAGE" 2>/dev/null; }
check "image config: USER node" test "$(inspect '{{.Config.User}}')" = node
check "image config: CMD [node dist/main.js]" test "$(inspect '{{json .Config.Cmd}}')" = '["node","dist/main.js"]'
check "image config: NODE_ENV=production" bash -c 'grep -q "\"NODE_ENV=production\"" <<<"$1"' _ "$(inspect '{{json .Config.Env}}')"
check "image config: HEALTHCHECK kept (docker format) and probes /livez" \
  bash -c 'grep -q "/livez" <<<"$1"' _ "$(inspect '{{json .Config.Healthcheck}}')"
check "image config: EXPOSE 8080" bash -c 'grep -q "8080/tcp" <<<"$1"' _ "$(inspect '{{json .Config.ExposedPorts}}')"
contents=$(timeout 60 podman run --rm --pull=never --network none --no-healthcheck --entrypoint sh "$IMAGE" -c \
  'ls -A /app | tr "\n" " "; echo; for m in typescript jest pino-pretty @swc/core pino express; do [ -e node_modules/$m ] && echo "has $m"; done; node -v' 2>>"$STATE/podman.log")
check "image /app holds only dist/ node_modules/ package*.json (got: $(printf '%s\n' "$contents" | head -n1))" test "$(printf '%s\n' "$contents" | head -n1)" = "dist node_modules package-lock.json package.json "
check "no dev dependencies (typescript, jest, pino-pretty, @swc/core absent)" \
  bash -c '! grep -Eq "^has (typescript|jest|pino-pretty|@swc/core)$" <<<"$1" && grep -q "^has pino$" <<<"$1" && grep -q "^has express$" <<<"$1"' _ "$contents"
check "Node 24 in the image ($(printf '%s\n' "$contents" | tail -n1))" bash -c 'grep -q "^v24\." <<<"$1"' _ "$(printf '%s\n' "$contents" | tail -n1)"

# --- 6. run the broker (embedded emulator), hardened the way compose runs it ----------------------
http() { curl -sS --max-time 10 "$@"; }
wait_for() { # $1 = url, $2 = seconds
  local deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    http -o /dev/null -f "$1" 2>/dev/null && return 0
    sleep 0.3
  done
  return 1
}
port_of() { timeout 30 podman port "$1" "$2" 2>/dev/null | head -n1 | sed 's/.*://'; }
json_has() { # $1 = json, rest = keys that must be non-empty strings
  "$node_bin" -e 'const b=JSON.parse(process.argv[1]);for(const k of process.argv.slice(2)){if(typeof b[k]!=="string"||!b[k]){console.error("missing "+k);process.exit(1)}}' "$@"
}
new_session() { http -X POST -H 'content-type: application/json' -d '{"avatarId":"music-superstar"}' "$1/api/avatar/session"; }
stop_and_check() { # $1 = container, $2 = label
  local t; t=$(date +%s)
  timeout 60 podman stop -t 20 "$1" >/dev/null 2>>"$STATE/podman.log"
  local code; code=$(timeout 30 podman inspect -f '{{.State.ExitCode}}' "$1" 2>/dev/null)
  check "$2: podman stop (SIGTERM) -> exit code 0 (got ${code:-none}, $(elapsed "$t"))" test "$code" = 0
}

say "podman run $BROKER (NODE_ENV=production RUNWAY_MODE=emulator, read-only, no capabilities)"
if ! timeout 60 podman run -d --name "$BROKER" --pull=never \
  --read-only --cap-drop ALL --security-opt no-new-privileges \
  -e NODE_ENV=production -e RUNWAY_MODE=emulator -e ANONYMOUS_SESSIONS=on -e CORS_ORIGINS=http://localhost -e ANONYMOUS_AVATARS=music-superstar -p 127.0.0.1::8080 "$IMAGE" >/dev/null 2>>"$STATE/podman.log"; then
  show "$STATE/podman.log"; abort "podman run $BROKER"
fi
base="http://127.0.0.1:$(port_of "$BROKER" 8080)"
t=$(date +%s)
if wait_for "$base/livez" 30; then ok "GET /livez 200 on $base ($(elapsed "$t") after start)"
else timeout 30 podman logs "$BROKER" >"$STATE/broker.log" 2>&1; show "$STATE/broker.log"; abort "GET /livez within 30s"; fi
check "GET /readyz 200" wait_for "$base/readyz" 10
uid=$(timeout 30 podman exec "$BROKER" id -u 2>/dev/null)
check "process is not root (id -u = ${uid:-?})" bash -c '[ -n "$1" ] && [ "$1" != 0 ]' _ "$uid"
pid1=$(timeout 30 podman exec "$BROKER" cat /proc/1/cmdline 2>/dev/null | tr '\0' ' ')
check "PID 1 is node (${pid1% })" test "${pid1% }" = "node dist/main.js"
check "podman healthcheck run -> healthy" bash -c 'timeout 60 podman healthcheck run "$1" >/dev/null 2>>"$2"' _ "$BROKER" "$STATE/podman.log"
t=$(date +%s)
body=$(new_session "$base" 2>&1)
check "POST /api/avatar/session -> sessionId, serverUrl, token, roomName ($(elapsed "$t"))" \
  json_has "$body" sessionId serverUrl token roomName
check "GET /docs and its bundle are served from the image (no dev packages needed)" \
  bash -c 'curl -sSf --max-time 10 -o /dev/null "$1/docs" && curl -sSf --max-time 10 -o /dev/null "$1/docs/scalar.js"' _ "$base"
logs=$(timeout 30 podman logs "$BROKER" 2>&1)
check "logs are JSON in production (no pino-pretty)" bash -c 'grep -q "^{\"level\":30" <<<"$1"' _ "$logs"
stop_and_check "$BROKER" broker
timeout 30 podman logs "$BROKER" >"$STATE/broker.log" 2>&1
check "broker logged 'shutdown complete'" grep -q 'shutdown complete' "$STATE/broker.log"

# --- 7. compose wiring: standalone emulator + broker in live mode with a dummy key ----------------
# docker-compose.yml resolves "emulator" by service name; here the broker shares the emulator's
# network namespace and reaches it on 127.0.0.1 (no DNS plugin needed).
say "compose wiring: $EMULATOR (node dist/emulator/main.js) + $LIVE (RUNWAY_MODE=live, dummy key)"
if timeout 60 podman run -d --name "$EMULATOR" --pull=never --read-only --cap-drop ALL --security-opt no-new-privileges \
    -e EMULATOR_PORT=4010 -e EMULATOR_PUBLIC_URL=ws://localhost:4010/livekit \
    -p 127.0.0.1::4010 -p 127.0.0.1::8080 "$IMAGE" node dist/emulator/main.js >/dev/null 2>>"$STATE/podman.log" &&
  timeout 60 podman run -d --name "$LIVE" --pull=never --read-only --cap-drop ALL --security-opt no-new-privileges \
    --network "container:$EMULATOR" -e RUNWAY_MODE=live -e RUNWAYML_BASE_URL=http://127.0.0.1:4010 \
    -e RUNWAYML_API_SECRET=emulator-accepts-any-key -e ANONYMOUS_SESSIONS=on -e CORS_ORIGINS=http://localhost -e ANONYMOUS_AVATARS=music-superstar "$IMAGE" >/dev/null 2>>"$STATE/podman.log"; then
  emu="http://127.0.0.1:$(port_of "$EMULATOR" 4010)"
  live="http://127.0.0.1:$(port_of "$EMULATOR" 8080)"
  check "emulator GET /__emulator/health 200" wait_for "$emu/__emulator/health" 30
  check "live broker GET /readyz 200" wait_for "$live/readyz" 30
  body=$(new_session "$live" 2>&1)
  check "live broker -> emulator: POST /api/avatar/session returns credentials" json_has "$body" sessionId serverUrl token roomName
  check "serverUrl comes from EMULATOR_PUBLIC_URL" bash -c 'grep -q "\"serverUrl\":\"ws://localhost:4010/livekit" <<<"$1"' _ "$body"
  stop_and_check "$LIVE" "live broker"
  stop_and_check "$EMULATOR" emulator
else
  show "$STATE/podman.log"; bad "start emulator + live broker"
fi

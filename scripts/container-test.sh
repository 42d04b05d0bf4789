#!/usr/bin/env bash
# Container smoke test (npm run test:container): lints Dockerfile + docker-compose.yml, builds the
# image, runs it and checks it from outside, then checks the compose wiring (standalone emulator +
# broker in live mode against it). Last line: "container: N passed, M failed".
#
# Engine: podman or docker, with the host's own configuration (CONTAINERS_CONF, DOCKER_HOST, ...).
#   CONTAINER_ENGINE=podman|docker picks one; otherwise podman when installed, else docker when its
#   daemon answers, else (as root with apt-get) podman is installed.
# Base image node:24-slim: used from local storage when present; otherwise pulled; a local
#   base-image builder (MAKE_BASE_IMAGE, default ../shared/tools/container/make-base-image.sh, podman
#   only) is used only when the image is missing and that builder exists.
# State (logs, generated podman settings) is per run: CONTAINER_STATE, default a new mktemp folder.
# Other knobs: IMAGE (tag to build), SKIP_LINT=1.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

IMAGE=${IMAGE:-localhost/characters-broker:container-test}
STATE=${CONTAINER_STATE:-$(mktemp -d "${TMPDIR:-/tmp}/characters-broker-container.XXXXXX")}
MAKE_BASE_IMAGE=${MAKE_BASE_IMAGE:-$root/../shared/tools/container/make-base-image.sh}
BASE=docker.io/library/node:24-slim
RUN_ID=cbtest-$$
BROKER=$RUN_ID-broker
EMULATOR=$RUN_ID-emulator
LIVE=$RUN_ID-live
T0=$(date +%s)
passed=0
failed=0
ENGINE=${CONTAINER_ENGINE:-}

say() { printf '[container] %s\n' "$*"; }
ok() { passed=$((passed + 1)); printf '  ok   %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf '  FAIL %s\n' "$*"; }
check() { # $1 = description, rest = command
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
elapsed() { echo "$(($(date +%s) - $1))s"; }
engine() { "$ENGINE" "$@"; }

cleanup() {
  if [ -n "$ENGINE" ] && command -v "$ENGINE" >/dev/null 2>&1; then
    for c in "$LIVE" "$EMULATOR" "$BROKER"; do
      timeout 60 "$ENGINE" rm -f "$c" >/dev/null 2>&1 || true
    done
  fi
}
finish() {
  local rc=$?
  trap - EXIT INT TERM
  cleanup
  [ "$failed" -eq 0 ] && [ "$passed" -eq 0 ] && failed=1 # nothing ran: never report success
  say "total $(elapsed "$T0"); logs in $STATE"
  echo "container: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$rc" -eq 0 ] && exit 0
  exit 1
}
trap finish EXIT
trap 'say "interrupted"; failed=$((failed + 1)); exit 130' INT TERM
abort() { bad "$*"; exit 1; }

# Shows the last lines of a log when a step fails.
show() { [ -s "$1" ] && tail -n "${2:-30}" "$1" | sed 's/^/       | /'; }

mkdir -p "$STATE" || abort "cannot create $STATE"
: >"$STATE/engine.log"

# --- 1. engine ------------------------------------------------------------------------------------
apt_install() { # installs Debian packages as root; names the cause when it cannot
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  say "installing $* (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! timeout 600 apt-get install -y --no-install-recommends "$@" </dev/null >"$STATE/apt.log" 2>&1; then
    timeout 300 apt-get update </dev/null >>"$STATE/apt.log" 2>&1
    timeout 600 apt-get install -y --no-install-recommends "$@" </dev/null >>"$STATE/apt.log" 2>&1 || { show "$STATE/apt.log"; return 1; }
  fi
}
docker_answers() { timeout 30 docker info >"$STATE/docker-info.log" 2>&1; }
if [ -z "$ENGINE" ]; then
  if command -v podman >/dev/null 2>&1; then ENGINE=podman
  elif command -v docker >/dev/null 2>&1 && docker_answers; then ENGINE=docker
  else
    why="no podman"
    command -v docker >/dev/null 2>&1 && why="$why, and docker cannot reach a daemon ($(tail -n1 "$STATE/docker-info.log"))" || why="$why and no docker"
    apt_install podman || abort "no container engine: $why; install podman or docker (or run as root with apt-get to let this script install podman)"
    ENGINE=podman
  fi
fi
command -v "$ENGINE" >/dev/null 2>&1 || abort "CONTAINER_ENGINE=$ENGINE is not installed"
if [ "$ENGINE" = docker ] && ! docker_answers; then show "$STATE/docker-info.log" 5; abort "docker cannot reach a daemon (above); start one or set DOCKER_HOST, or use podman"; fi
command -v curl >/dev/null 2>&1 || apt_install curl || abort "curl is needed to probe the container from outside"
node_bin=$(sh scripts/node.sh) || abort "no Node.js >= 22 on the host (scripts/node.sh)"

# Podman reads its settings from the host (containers.conf). Where the shared builder has written the
# settings this machine needs (runc, pinned ulimits) and none are chosen, use those.
if [ "$ENGINE" = podman ] && [ -z "${CONTAINERS_CONF:-}" ] && [ -s "$(dirname "$MAKE_BASE_IMAGE")/containers.conf" ]; then
  export CONTAINERS_CONF=$(dirname "$MAKE_BASE_IMAGE")/containers.conf
fi

# --- 2. base image ----------------------------------------------------------------------------------
image_exists() { if [ "$ENGINE" = podman ]; then timeout 30 podman image exists "$1"; else timeout 30 docker image inspect "$1" >/dev/null 2>&1; fi; }
t=$(date +%s)
if image_exists "$BASE"; then
  say "base image $BASE found in local storage"
elif [ -f "$MAKE_BASE_IMAGE" ] && [ "$ENGINE" = podman ]; then
  say "base image $BASE missing; building it with $MAKE_BASE_IMAGE (log $STATE/base-image.log)"
  for tool in runc debootstrap; do command -v "$tool" >/dev/null 2>&1 || apt_install "$tool" || abort "$MAKE_BASE_IMAGE needs $tool"; done
  if ! CONF_OUT=$STATE/containers.conf timeout 900 bash "$MAKE_BASE_IMAGE" </dev/null >"$STATE/base-image.log" 2>&1; then
    show "$STATE/base-image.log"; abort "base image $BASE via $MAKE_BASE_IMAGE"
  fi
  # The settings it wrote are the ones this host needs (unless the host already chose its own).
  [ -z "${CONTAINERS_CONF:-}" ] && export CONTAINERS_CONF=$STATE/containers.conf
elif ! timeout 600 "$ENGINE" pull "$BASE" </dev/null >"$STATE/pull.log" 2>&1; then
  show "$STATE/pull.log" 5
  abort "base image $BASE is not in local storage, pulling it failed (above), and there is no base-image builder at $MAKE_BASE_IMAGE"
fi
say "base image ready ($(elapsed "$t")); engine $ENGINE$( [ -n "${CONTAINERS_CONF:-}" ] && echo ", CONTAINERS_CONF=$CONTAINERS_CONF")"

# The engine must be able to run a container here; if not, say what it said (not a later symptom).
preflight() { timeout 120 "$ENGINE" run --rm --network none --entrypoint node "$BASE" -e 'process.exit(0)' >"$STATE/preflight.log" 2>&1; }
# A base image already in storage skips the builder, and with it the host settings it writes (runc, pinned
# ulimits: podman's defaults are refused on some hosts). If the host's own settings cannot run a container
# and none were chosen, ask the builder for those settings only (with the image present it builds nothing).
if ! preflight && [ "$ENGINE" = podman ] && [ -z "${CONTAINERS_CONF:-}" ] && [ -f "$MAKE_BASE_IMAGE" ]; then
  say "podman cannot run a container with this host's defaults; taking the host settings from $MAKE_BASE_IMAGE"
  if CONF_OUT=$STATE/containers.conf timeout 300 bash "$MAKE_BASE_IMAGE" </dev/null >"$STATE/base-image.log" 2>&1 && [ -s "$STATE/containers.conf" ]; then
    export CONTAINERS_CONF=$STATE/containers.conf
  fi
fi
if ! preflight; then
  show "$STATE/preflight.log" 10
  abort "$ENGINE cannot run a container on this host (above)$( [ "$ENGINE" = podman ] && echo '; podman reads its settings from containers.conf (CONTAINERS_CONF)')"
fi

# --- 3. lint -------------------------------------------------------------------------------------
if [ "${SKIP_LINT:-0}" != 1 ]; then
  say "lint"
  lint_out=$(bash scripts/lint-container.sh 2>&1)
  printf '%s\n' "$lint_out"
  passed=$((passed + $(printf '%s\n' "$lint_out" | grep -c '^  ok ')))
  failed=$((failed + $(printf '%s\n' "$lint_out" | grep -c '^  FAIL ')))
fi

# --- 4. build ------------------------------------------------------------------------------------
build_flags=(); [ "$ENGINE" = podman ] && build_flags=(--pull=never --format docker) # docker format keeps HEALTHCHECK
say "$ENGINE build ${build_flags[*]} -t $IMAGE ."
t=$(date +%s)
if timeout 900 "$ENGINE" build "${build_flags[@]}" -t "$IMAGE" . </dev/null >"$STATE/build.log" 2>&1; then
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
inspect() { timeout 30 "$ENGINE" image inspect -f "$1" "$IMAGE" 2>/dev/null; }
check "image config: USER node" test "$(inspect '{{.Config.User}}')" = node
check "image config: CMD [node dist/main.js]" test "$(inspect '{{json .Config.Cmd}}')" = '["node","dist/main.js"]'
check "image config: NODE_ENV=production" bash -c 'grep -q "\"NODE_ENV=production\"" <<<"$1"' _ "$(inspect '{{json .Config.Env}}')"
check "image config: HEALTHCHECK kept (docker format) and probes /livez" \
  bash -c 'grep -q "/livez" <<<"$1"' _ "$(inspect '{{json .Config.Healthcheck}}')"
check "image config: EXPOSE 8080" bash -c 'grep -q "8080/tcp" <<<"$1"' _ "$(inspect '{{json .Config.ExposedPorts}}')"
contents=$(timeout 60 "$ENGINE" run --rm --network none --no-healthcheck --entrypoint sh "$IMAGE" -c \
  'ls -A /app | tr "\n" " "; echo; for m in typescript jest pino-pretty @swc/core pino express; do [ -e node_modules/$m ] && echo "has $m"; done; node -v' 2>>"$STATE/engine.log")
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
port_of() { timeout 30 "$ENGINE" port "$1" "$2" 2>/dev/null | head -n1 | sed 's/.*://'; }
json_has() { # $1 = json, rest = keys that must be non-empty strings
  "$node_bin" -e 'const b=JSON.parse(process.argv[1]);for(const k of process.argv.slice(2)){if(typeof b[k]!=="string"||!b[k]){console.error("missing "+k);process.exit(1)}}' "$@"
}
new_session() { http -X POST -H 'content-type: application/json' -d '{"avatarId":"music-superstar"}' "$1/api/avatar/session"; }
stop_and_check() { # $1 = container, $2 = label
  local t; t=$(date +%s)
  timeout 90 "$ENGINE" stop -t 60 "$1" >/dev/null 2>>"$STATE/engine.log"
  local code; code=$(timeout 30 "$ENGINE" inspect -f '{{.State.ExitCode}}' "$1" 2>/dev/null)
  check "$2: $ENGINE stop (SIGTERM) -> exit code 0 (got ${code:-none}, $(elapsed "$t"))" test "$code" = 0
}

say "$ENGINE run $BROKER (NODE_ENV=production RUNWAY_MODE=emulator, read-only, no capabilities)"
if ! timeout 60 "$ENGINE" run -d --name "$BROKER" \
  --read-only --cap-drop ALL --security-opt no-new-privileges \
  -e NODE_ENV=production -e RUNWAY_MODE=emulator -e ANONYMOUS_SESSIONS=on -e CORS_ORIGINS=http://localhost -e ANONYMOUS_AVATARS=music-superstar -p 127.0.0.1::8080 "$IMAGE" >/dev/null 2>>"$STATE/engine.log"; then
  show "$STATE/engine.log"; abort "$ENGINE run $BROKER"
fi
base="http://127.0.0.1:$(port_of "$BROKER" 8080)"
t=$(date +%s)
if wait_for "$base/livez" 30; then ok "GET /livez 200 on $base ($(elapsed "$t") after start)"
else timeout 30 "$ENGINE" logs "$BROKER" >"$STATE/broker.log" 2>&1; show "$STATE/broker.log"; abort "GET /livez within 30s"; fi
check "GET /readyz 200" wait_for "$base/readyz" 10
uid=$(timeout 30 "$ENGINE" exec "$BROKER" id -u 2>/dev/null)
check "process is not root (id -u = ${uid:-?})" bash -c '[ -n "$1" ] && [ "$1" != 0 ]' _ "$uid"
pid1=$(timeout 30 "$ENGINE" exec "$BROKER" cat /proc/1/cmdline 2>/dev/null | tr '\0' ' ')
check "PID 1 is node (${pid1% })" test "${pid1% }" = "node dist/main.js"
healthy() { # podman runs a health check on demand; docker runs them on its schedule: wait for "healthy"
  if [ "$ENGINE" = podman ]; then timeout 60 podman healthcheck run "$1" >/dev/null 2>>"$STATE/engine.log"; return; fi
  local deadline=$(($(date +%s) + 120))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(timeout 30 docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = healthy ] && return 0
    sleep 1
  done
  return 1
}
check "$ENGINE health check -> healthy" healthy "$BROKER"
t=$(date +%s)
body=$(new_session "$base" 2>&1)
check "POST /api/avatar/session -> sessionId, serverUrl, token, roomName ($(elapsed "$t"))" \
  json_has "$body" sessionId serverUrl token roomName
check "GET /docs and its bundle are served from the image (no dev packages needed)" \
  bash -c 'curl -sSf --max-time 10 -o /dev/null "$1/docs" && curl -sSf --max-time 10 -o /dev/null "$1/docs/scalar.js"' _ "$base"
logs=$(timeout 30 "$ENGINE" logs "$BROKER" 2>&1)
check "logs are JSON in production (no pino-pretty)" bash -c 'grep -q "^{\"level\":30" <<<"$1"' _ "$logs"
stop_and_check "$BROKER" broker
timeout 30 "$ENGINE" logs "$BROKER" >"$STATE/broker.log" 2>&1
check "broker logged 'shutdown complete'" grep -q 'shutdown complete' "$STATE/broker.log"

# --- 7. compose wiring: standalone emulator + broker in live mode with a dummy key ----------------
# docker-compose.yml resolves "emulator" by service name; here the broker shares the emulator's
# network namespace and reaches it on 127.0.0.1 (no DNS plugin needed).
say "compose wiring: $EMULATOR (node dist/emulator/main.js) + $LIVE (RUNWAY_MODE=live, dummy key)"
if timeout 60 "$ENGINE" run -d --name "$EMULATOR" --read-only --cap-drop ALL --security-opt no-new-privileges \
    -e EMULATOR_PORT=4010 -e EMULATOR_PUBLIC_URL=ws://localhost:4010/livekit \
    -p 127.0.0.1::4010 -p 127.0.0.1::8080 "$IMAGE" node dist/emulator/main.js >/dev/null 2>>"$STATE/engine.log" &&
  timeout 60 "$ENGINE" run -d --name "$LIVE" --read-only --cap-drop ALL --security-opt no-new-privileges \
    --network "container:$EMULATOR" -e RUNWAY_MODE=live -e RUNWAYML_BASE_URL=http://127.0.0.1:4010 \
    -e RUNWAYML_API_SECRET=emulator-accepts-any-key -e ANONYMOUS_SESSIONS=on -e CORS_ORIGINS=http://localhost -e ANONYMOUS_AVATARS=music-superstar "$IMAGE" >/dev/null 2>>"$STATE/engine.log"; then
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
  show "$STATE/engine.log"; bad "start emulator + live broker"
fi

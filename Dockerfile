# characters-broker container image (see docs/container.md).
#   docker build -t characters-broker .
#   podman build --format docker -t characters-broker .   # --format docker keeps the HEALTHCHECK
# One image serves both the broker (default CMD) and the standalone Runway emulator
# (command: node dist/emulator/main.js).

# ---- build: all dependencies + TypeScript compile --------------------------------------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no lifecycle hook (prestart, preemulator, prepare...) runs during the build;
# no runtime dependency needs an install script.
RUN npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/copy-assets.js scripts/build-web.js ./scripts/
# The /playground and /console bundles (React, the avatars SDK, livekit-client) are built here, so
# the production stage needs none of those packages.
COPY web ./web
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json && node scripts/copy-assets.js && node scripts/build-web.js

# ---- production: runtime dependencies + compiled JavaScript only -----------------------------
FROM node:24-slim AS production
ENV NODE_ENV=production
# A 2 MB young generation (V8's default grows to 16 MB): the broker's garbage is small and short-lived,
# and with the default V8 let a busy broker's heap hold hundreds of MB of it (bench:soak, RELIABILITY.md).
# The old generation is sized by Node from the container's memory limit. Override NODE_OPTIONS to change.
ENV NODE_OPTIONS="--max-semi-space-size=2"
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=error \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
# Code and dependencies stay root-owned and read-only for the process; it writes nothing to disk but
# Node's compile cache in /tmp, skipped when the root filesystem is read-only.
USER node
EXPOSE 8080
# Liveness only (no upstream dependency). No curl in slim images: node itself does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/livez',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, node directly (not npm: package.json's pre* hooks would run the build): the base
# image's entrypoint execs it, so node is PID 1 and receives SIGTERM itself.
CMD ["node", "dist/main.js"]

# syntax=docker/dockerfile:1
#
# One image build for the four services. Each service is a target that shares every stage
# up to `runtime`, so `docker compose build` compiles the workspace once:
#   docker build --target api .         (also: realtime, media, transcoder)
# The transcoder and media targets carry ffmpeg (about 400 MB of libraries the others do not
# need): media records classes and encodes their live HLS with it.

# Node 24 LTS on Debian 13 (trixie): Node 20 is past end of life, and trixie's glibc (2.41) loads
# the uWebSockets.js binaries for Node >= 22 as published (they need glibc 2.38).
ARG NODE_IMAGE=node:24-trixie-slim

# ---------------------------------------------------------------------------------------
# deps: the full dependency tree (dev dependencies too: the build needs tsc and vite).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# mediasoup's postinstall downloads its own prebuilt mediasoup-worker from GitHub releases
# when the build has internet access (the normal case) and checks that it runs here. Only when
# that download fails does it build the worker from source, which needs python3, pip, make
# and a C++ compiler (installed below, about 12 minutes on 2 cores). Behind a mirror, pass
# --build-arg MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL=https://mirror.example/mediasoup
# argon2 and uWebSockets.js ship prebuilt binaries and need none of this.
ARG MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL=
ENV MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL=${MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Manifests first, so source edits do not invalidate the (slow) install layer.
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/common/package.json packages/common/
COPY packages/testing/package.json packages/testing/
COPY apps/all-in-one/package.json apps/all-in-one/
COPY api/package.json api/
COPY realtime/package.json realtime/
COPY media/package.json media/
COPY transcoder/package.json transcoder/
COPY client/package.json client/
RUN npm ci --no-audit --no-fund \
 && npm cache clean --force

# ---------------------------------------------------------------------------------------
# build: compile every workspace (tsc -b) and the browser client (vite), drop dev
# dependencies, and assemble the production tree in /prod: for each server workspace its
# package.json, dist/, migrations/ (SQL run at start) and node_modules/ (npm nests a
# dependency there when versions conflict), plus client/dist.
# RUNTIME_WORKSPACES must hold the four services and every @learnlive package they import
# (infra/test/infra.int.test.ts derives that list from the package.json files and checks it).
FROM deps AS build
ARG RUNTIME_WORKSPACES="packages/contracts packages/common api realtime media transcoder"
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p /prod/client \
 && cp package.json /prod/ \
 && mv node_modules /prod/ \
 && for ws in $RUNTIME_WORKSPACES; do \
      mkdir -p "/prod/$ws" && cp "$ws/package.json" "/prod/$ws/" && cp -r "$ws/dist" "/prod/$ws/" \
      && if [ -d "$ws/migrations" ]; then cp -r "$ws/migrations" "/prod/$ws/"; fi \
      && if [ -d "$ws/node_modules" ]; then mv "$ws/node_modules" "/prod/$ws/"; fi || exit 1; \
    done \
 && cp -r client/dist /prod/client/

# ---------------------------------------------------------------------------------------
# runtime: production files only, owned by root and run as the unprivileged `node` user
# (uid 1000), so the service cannot rewrite its own code.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /prod ./
# Only ./data is writable: the API assembles resumable uploads in data/uploads, the
# transcoder works in data/transcoder. Created here so that named volumes mounted on them
# start out owned by `node`.
RUN mkdir -p /app/data/uploads /app/data/transcoder && chown -R node:node /app/data
USER node
STOPSIGNAL SIGTERM

# ---------------------------------------------------------------------------------------
# One target per service. The health checks read the service's own port variable so an
# overridden port keeps working; fetch is built into Node, so no curl in the image.
FROM runtime AS api
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.API_PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "api/dist/main.js"]

FROM runtime AS realtime
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.REALTIME_PORT||3001)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "realtime/dist/main.js"]

FROM runtime AS media
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
USER node
# Signalling over HTTP/WebSocket; WebRTC media on UDP and TCP 40000+i, one port pair per
# mediasoup worker (MEDIA_RTC_PORT + i, i < MEDIA_WORKERS). ffmpeg (recordings, live HLS)
# listens on loopback UDP only: nothing more to publish.
EXPOSE 3002 40000-40063/udp 40000-40063/tcp
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MEDIA_PORT||3002)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "media/dist/main.js"]

FROM runtime AS transcoder
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
USER node
# Operations endpoints only (/healthz, /readyz, /metrics); the work arrives over the queue.
EXPOSE 3003
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.TRANSCODER_PORT||3003)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "transcoder/dist/main.js"]

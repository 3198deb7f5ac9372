# syntax=docker/dockerfile:1
# StarPunk container image: docs/install.md ("Docker") explains how to run it.
#
#   docker build -t starpunk .
#   docker run -d -p 127.0.0.1:8000:8000 -v starpunk-data:/data \
#     -e SITE_URL=https://example.com/ -e TRUST_PROXY=on starpunk

# --- build: compile TypeScript and the native better-sqlite3 module ---------------------------
FROM node:24-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: no compilers, no sources, not root ----------------------------------------------
FROM node:24-bookworm-slim AS runtime
# Two malloc arenas: libvips worker threads otherwise each grow their own (about 20 MB more under uploads).
ENV NODE_ENV=production DATA_PATH=/data HOST=0.0.0.0 PORT=8000 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The image's `node` user (uid 1000) owns the data directory; a named volume inherits that owner.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME /data
EXPOSE 8000
# Node has fetch built in, so the image needs no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM from `docker stop` reaches node directly (exec form): in-flight requests finish first.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=128", "dist/src/main.js", "serve"]

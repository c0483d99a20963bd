# syntax=docker/dockerfile:1
#
# One image for both processes of the platform:
#   default CMD  -> the API + the built SvelteKit web app on $PORT (runs DB migrations on start)
#   `npx tsx worker/main.ts` -> the Temporal worker (docker-compose.yml sets that command)
#
# Stages: deps (full install) -> build (web app) ; prod-deps (runtime packages only) ;
# runtime = prod-deps' node_modules + source + web/build, run as the unprivileged `node` user.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# --- deps: every package, dev ones included (vite, svelte-kit... build the web app) ---
# Only the manifests are copied first so this layer is reused until they change.
# The workspace package.json files must be there for npm to link the workspaces. `npm install`
# (from the lockfile) rather than `npm ci`: npm 11 omits other platforms' optional packages
# from the lockfile, which `npm ci` then refuses.
FROM base AS deps
COPY package.json package-lock.json ./
COPY domain/package.json domain/package.json
COPY web/package.json web/package.json
RUN npm install --no-audit --no-fund

# --- build: the SvelteKit web app (adapter-node, output in web/build) ---
FROM deps AS build
COPY . .
RUN npm run build:web

# --- prod-deps: runtime packages only (tsx is a runtime dependency) ---
FROM base AS prod-deps
COPY package.json package-lock.json ./
COPY domain/package.json domain/package.json
COPY web/package.json web/package.json
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---
FROM base AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/.data

# node_modules (root and any per-workspace ones, with the workspace symlinks), then the
# source, then the built web app. Files stay owned by root: the app only reads them.
COPY --from=prod-deps /app ./
COPY . .
COPY --from=build /app/web/build ./web/build

# DATA_DIR is the only place the app may write. With DATABASE_URL and TEMPORAL_ADDRESS
# set (as in docker-compose.yml) nothing embedded lives there, but it must be writable.
RUN mkdir -p "$DATA_DIR" && chown node:node "$DATA_DIR"

# The official node image ships the unprivileged `node` user (uid 1000, home /home/node).
USER node

EXPOSE 3000
CMD ["npx", "tsx", "api/main.ts"]

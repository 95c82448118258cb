# syntax=docker/dockerfile:1
# One image for every Parley service: the compiled services share one set of production
# dependencies, so one build serves gateway, chat, history, presence, notification and the
# migration job. The service is chosen by the container's arguments:
#   docker build -t parley:1.0.0 .
#   docker run parley:1.0.0 apps/chat/src/main      (default: apps/gateway/src/main)
#   docker run parley:1.0.0 tools/migrate

# Compiles TypeScript to dist/ and bundles each service into dist/bundles/ (one file each:
# a start without resolving and reading ~1,400 modules), with the full (dev) dependency set.
FROM node:20.19-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
COPY tools ./tools
RUN npm run build

# Production dependencies only (no TypeScript, Jest, Nx, swc).
FROM node:20.19-bookworm-slim AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# run-service.js runs the entry's bundle (built with this dist/); for an entry without one
# (none in this image) it resolves the @parley/* aliases through tsconfig.base.json to dist/.
# NODE_OPTIONS=--enable-source-maps maps stack traces to the TypeScript sources' lines.
COPY --chown=root:root package.json tsconfig.base.json ./
COPY --chown=root:root tools/scripts/run-service.js ./tools/scripts/run-service.js
COPY --chown=root:root --from=prod-deps /src/node_modules ./node_modules
COPY --chown=root:root --from=build /src/dist ./dist
# The node images' unprivileged user (uid 1000); files stay root-owned and read-only to it.
USER 1000:1000
EXPOSE 3000 3101 3102 3103 3104
ENTRYPOINT ["node", "tools/scripts/run-service.js"]
CMD ["apps/gateway/src/main"]

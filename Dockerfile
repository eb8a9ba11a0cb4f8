# syntax=docker/dockerfile:1
# One image for every Cauce app, running compiled code with production dependencies only; each
# compose service picks its app by working directory (/app/<app>) and runs `node dist/main.js`
# (/app/all with `node dist/main.js all`: every role in one process).
# Node 24 LTS in production. The build stage does exactly what scripts/check-build.ts checks in
# CI: install, `pnpm run build` (tsc to each workspace's dist), `pnpm run deploy:prod` (one
# `pnpm deploy --prod` folder per app, plus the migrator in /app/db).

FROM node:24-bookworm-slim AS build
WORKDIR /repo
RUN npm i -g pnpm@10.34.9
# Manifests first, so source edits do not invalidate the dependency layer.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .pnpmfile.cjs ./
COPY apps/all/package.json apps/all/
COPY apps/ingress/package.json apps/ingress/
# The console builds at install (its postinstall runs vite build), so its source comes first.
COPY apps/console apps/console
COPY apps/provider-sim/package.json apps/provider-sim/
COPY apps/worker-bookings/package.json apps/worker-bookings/
COPY apps/worker-orders/package.json apps/worker-orders/
COPY apps/worker-staging/package.json apps/worker-staging/
COPY apps/worker-stock/package.json apps/worker-stock/
COPY apps/worker-whatsapp/package.json apps/worker-whatsapp/
COPY packages/base/package.json packages/base/
COPY packages/db/package.json packages/db/prisma.config.ts packages/db/
COPY packages/db/scripts packages/db/scripts
COPY packages/provider-sim/package.json packages/provider-sim/
COPY packages/providers/package.json packages/providers/
COPY packages/queues/package.json packages/queues/
COPY packages/runtime/package.json packages/runtime/
COPY packages/testkit/package.json packages/testkit/
COPY bench/package.json bench/
COPY test/e2e/package.json test/e2e/
# The db postinstall generates the Prisma client offline from the schema.
COPY prisma prisma
RUN pnpm install --frozen-lockfile
# .dockerignore keeps host node_modules, dist and the generated Prisma client out of this copy.
COPY . .
RUN pnpm run build && pnpm run deploy:prod /deploy

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# The apps listen on loopback by default; in a container they must answer on every interface.
ENV HOST=0.0.0.0 WORKER_HOST=0.0.0.0 SIM_HOST=0.0.0.0
# /app/ingress, /app/worker-bookings, …, /app/all each with dist/ and its own node_modules; /app/db: the migrator.
COPY --from=build /deploy /app
USER node
WORKDIR /app/ingress
EXPOSE 3001
CMD ["node", "dist/main.js"]

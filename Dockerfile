# syntax=docker/dockerfile:1
# One image for every Cauce app; the compose command picks the app. Node 24 LTS in production.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
RUN npm i -g pnpm@10.34.9
# Manifests first, so source edits do not invalidate the dependency layer.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY apps/ingress/package.json apps/ingress/
COPY apps/provider-sim/package.json apps/provider-sim/
COPY apps/worker-bookings/package.json apps/worker-bookings/
COPY apps/worker-orders/package.json apps/worker-orders/
COPY apps/worker-staging/package.json apps/worker-staging/
COPY apps/worker-stock/package.json apps/worker-stock/
COPY apps/worker-whatsapp/package.json apps/worker-whatsapp/
COPY packages/db/package.json packages/db/prisma.config.ts packages/db/
COPY packages/db/scripts packages/db/scripts
COPY packages/providers/package.json packages/providers/
COPY packages/queues/package.json packages/queues/
COPY packages/runtime/package.json packages/runtime/
COPY packages/testkit/package.json packages/testkit/
COPY bench/package.json bench/
# The db postinstall generates the Prisma client offline from the schema.
COPY prisma prisma
RUN pnpm install --frozen-lockfile

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# The apps listen on loopback by default; in a container they must answer on every interface.
ENV HOST=0.0.0.0 WORKER_HOST=0.0.0.0 SIM_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app /app
# .dockerignore keeps node_modules and the generated Prisma client of the deps stage intact.
COPY --chown=node:node . .
USER node
EXPOSE 3001
CMD ["node", "--import", "tsx", "apps/ingress/src/main.ts"]

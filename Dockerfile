# syntax=docker/dockerfile:1
# erpbridge API: multi-stage build with pnpm, runs as a non-root user. `node dist/worker.js` in the same
# image runs the jobs without serving HTTP (the compose `worker` service).

FROM node:20-bookworm-slim AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH TURBO_TELEMETRY_DISABLED=1
RUN npm install -g pnpm@10.34.8 --no-audit --no-fund --loglevel=error
WORKDIR /repo

FROM base AS build
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm exec turbo run build --filter=@erpbridge/api...
# A self-contained folder with the API and its production dependencies only.
RUN pnpm --filter @erpbridge/api deploy --prod --legacy /app

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 UPLOAD_DIR=/data/uploads
# A set heap limit, not one derived from the host's memory: how far V8 lets garbage grow past the
# live heap rises with its limit (on a 24 GiB host, 4 GiB: a 100k-document sync peaked 100 MiB above
# a 10k one, with the same live heap). With 1 GiB it stays within ~15 MiB (packages/domain/bench/sync.ts
# runs its children with the same flag).
ENV NODE_OPTIONS=--max-old-space-size=1024
RUN groupadd --system erpbridge && useradd --system --gid erpbridge --home /app erpbridge \
  && mkdir -p /data/uploads && chown -R erpbridge:erpbridge /data
WORKDIR /app
COPY --from=build --chown=erpbridge:erpbridge /app /app
USER erpbridge
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]

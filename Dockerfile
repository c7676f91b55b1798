# syntax=docker/dockerfile:1
# Approval Hub: the hub and its console in one image. The build and run steps live in
# deploy/container/container-steps.sh, which packages/container-tests runs in a clean copy of the repository, so the
# steps are proven on machines without a container engine.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches: python3, make and a C++ compiler.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10.34.9
WORKDIR /src
COPY . .
RUN --mount=type=cache,id=approval-hub-pnpm-store,target=/root/.local/share/pnpm/store \
  sh deploy/container/container-steps.sh build /src /app

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
  HUB_HOST=0.0.0.0 \
  PORT=4000
RUN groupadd --system --gid 10001 hub \
  && useradd --system --uid 10001 --gid hub --home-dir /data --no-create-home --shell /usr/sbin/nologin hub \
  && mkdir /data \
  && chown hub:hub /data \
  && chmod 700 /data
COPY --from=build /app /app
VOLUME /data
# The hub's default database is ./data/approval-hub.db, and with PostgreSQL its dev tokens go to ./data:
# run from /, both land in the /data volume.
WORKDIR /
USER hub
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["sh", "/app/container-steps.sh", "healthcheck"]
ENTRYPOINT ["sh", "/app/container-steps.sh", "start"]
CMD []

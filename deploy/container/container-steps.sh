#!/bin/sh
# The container's build and run steps, kept here so they run the same way in the Dockerfile and in
# packages/container-tests (which proves them in a clean copy of the repository where no container engine exists).
#
#   container-steps.sh build SRC OUT   install and build the hub and the console in SRC; lay out a runnable,
#                                      production-only copy in OUT (OUT/apps/hub, OUT/apps/console/dist)
#   container-steps.sh start [ARGS]    run the hub laid out next to this script (ARGS go to approval-hub)
#   container-steps.sh healthcheck     exit 0 when the local hub's /api/health answers 2xx
set -eu

step="${1:-}"
[ $# -gt 0 ] && shift

case "$step" in
  build)
    src="$1"
    out="$2"
    cd "$src"
    # Offline first: a warm pnpm store (a CI cache, a BuildKit cache mount) needs no network. A cold one falls
    # back to the registry. better-sqlite3 compiles from source when no prebuilt binary is reachable.
    install_filters="--filter @approval-hub/hub... --filter @approval-hub/console..."
    # shellcheck disable=SC2086
    pnpm install --frozen-lockfile --offline $install_filters || pnpm install --frozen-lockfile $install_filters
    pnpm exec turbo run build --filter=@approval-hub/hub... --filter=@approval-hub/console
    rm -rf "$out"
    mkdir -p "$out/apps/console"
    # The hub with its production dependencies only, from the lockfile; workspace packages are copied in
    # (injected), not linked, for this command only. The same folder layout as the repository, because the hub
    # serves the console from ../../console/dist.
    deploy="pnpm --filter @approval-hub/hub --config.inject-workspace-packages=true deploy --prod"
    $deploy --offline "$out/apps/hub" || { rm -rf "$out/apps/hub" && $deploy "$out/apps/hub"; }
    rm -rf "$out/apps/hub/src" "$out/apps/hub/test" "$out/apps/hub"/vitest*.ts "$out/apps/hub"/tsconfig*.json
    cp -R apps/console/dist "$out/apps/console/dist"
    cp deploy/container/container-steps.sh "$out/container-steps.sh"
    ;;
  start)
    here="$(cd "$(dirname "$0")" && pwd)"
    exec node "$here/apps/hub/dist/cli.js" "$@"
    ;;
  healthcheck)
    exec node -e '
      fetch(`http://127.0.0.1:${process.env.PORT || 4000}/api/health`, { signal: AbortSignal.timeout(4000) })
        .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
    '
    ;;
  *)
    echo "usage: container-steps.sh build SRC OUT | start [ARGS] | healthcheck" >&2
    exit 2
    ;;
esac

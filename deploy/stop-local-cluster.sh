#!/usr/bin/env bash
# Stops what deploy/start-local-cluster.sh started in DIR: nginx, the hub nodes, and its own PostgreSQL if any.
set -uo pipefail
DIR="${1:?usage: deploy/stop-local-cluster.sh DIR}"
[ -f "$DIR/cluster.json" ] || { echo "no cluster in $DIR" >&2; exit 2; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
"$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -s stop 2>/dev/null
for pid in $(node -e 'for (const n of require(process.argv[1]).nodes) console.log(n.pid)' "$DIR/cluster.json"); do kill "$pid" 2>/dev/null; done
DATA="$(node -e 'console.log(require(process.argv[1]).postgresDataDir ?? "")' "$DIR/cluster.json")"
if [ -n "$DATA" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null; else "$PG_BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null; fi
fi
echo "stopped the cluster in $DIR"

#!/usr/bin/env bash
# A reference deployment on one machine: PostgreSQL, N hub nodes and nginx as the load balancer.
#
#   deploy/start-local-cluster.sh [--dir DIR] [--nodes N] [--port P] [--database-url URL]
#
# Without --database-url it starts its own PostgreSQL (Debian's postgresql package) in DIR/pg.
# Hub nodes listen on P+1 … P+N, nginx on P (default 4400). Everything it starts is written to DIR/cluster.json
# (URLs, pids, the tokens file); stop it all with deploy/stop-local-cluster.sh DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="" NODES=3 PORT=4400 DATABASE_URL_ARG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --nodes) NODES="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --database-url) DATABASE_URL_ARG="$2"; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
[ -n "$DIR" ] || DIR="$(mktemp -d /tmp/approval-hub-cluster-XXXXXX)"
mkdir -p "$DIR" "$DIR/nginx-tmp"
# Traversable (PostgreSQL runs as its own user in DIR/pg); the tokens and config inside are 0600.
chmod 711 "$DIR"
HUB_MAIN="$ROOT/apps/hub/dist/main.js"
[ -f "$HUB_MAIN" ] || { echo "build the hub first: pnpm build" >&2; exit 2; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx not found: apt-get install -y nginx-light" >&2; exit 2; }

PG_PID=""
if [ -z "$DATABASE_URL_ARG" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$PG_BIN" ] || { echo "PostgreSQL not found: apt-get install -y postgresql" >&2; exit 2; }
  PG_PORT=$((PORT + 100))
  mkdir -p "$DIR/pg" "$DIR/pg-socket"
  RUN_AS=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$DIR/pg" "$DIR/pg-socket"; RUN_AS=(runuser -u postgres --); fi
  "${RUN_AS[@]}" "$PG_BIN/initdb" -D "$DIR/pg/data" -U hub --auth=trust >"$DIR/pg/initdb.log" 2>&1
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/postgres.log" -w \
    -o "-p $PG_PORT -k $DIR/pg-socket -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  "${RUN_AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U hub approval_hub
  PG_PID="$(head -1 "$DIR/pg/data/postmaster.pid")"
  DATABASE_URL_ARG="postgres://hub@127.0.0.1:$PG_PORT/approval_hub"
fi

# One config for every node: the same tokens, the load balancer's origin allowed, and nginx (on this machine) as the
# one trusted proxy, so the hub counts failed sign-ins per real client (X-Forwarded-For), not per nginx.
TOKENS_FILE="$DIR/tokens.json"
node -e '
  const { randomBytes } = require("node:crypto");
  const t = () => randomBytes(24).toString("base64url");
  const tokens = [
    { token: t(), role: "admin", name: "admin" },
    { token: t(), role: "reviewer", name: "reviewer" },
    { token: t(), role: "agent", name: "agent" },
  ];
  require("node:fs").writeFileSync(process.argv[1], JSON.stringify(tokens, null, 2), { mode: 0o600 });
' "$TOKENS_FILE"
node -e '
  const fs = require("node:fs");
  const [tokensFile, configFile, origin] = process.argv.slice(1);
  const config = { tokens: JSON.parse(fs.readFileSync(tokensFile, "utf8")), allowedOrigins: [origin], trustedProxies: ["127.0.0.1"], demo: { enabled: false } };
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
' "$TOKENS_FILE" "$DIR/hub.json" "http://127.0.0.1:$PORT"

# Health checks with node itself (always here), not curl (not always installed).
healthy() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1/api/health"; }

NODE_PIDS=() UPSTREAMS=""
for i in $(seq 1 "$NODES"); do
  NODE_PORT=$((PORT + i))
  DATABASE_URL="$DATABASE_URL_ARG" node "$HUB_MAIN" --config "$DIR/hub.json" --port "$NODE_PORT" --no-demo >"$DIR/node-$i.log" 2>&1 &
  NODE_PIDS+=("$!")
  UPSTREAMS+="    server 127.0.0.1:$NODE_PORT max_fails=1 fail_timeout=2s;"$'\n'
done
for i in $(seq 1 "$NODES"); do
  for _ in $(seq 1 100); do
    healthy "http://127.0.0.1:$((PORT + i))" && break
    kill -0 "${NODE_PIDS[$((i - 1))]}" 2>/dev/null || { echo "node $i exited; see $DIR/node-$i.log" >&2; tail -5 "$DIR/node-$i.log" >&2; exit 1; }
    sleep 0.1
  done
done

UPSTREAMS_ESCAPED="$(printf '%s' "$UPSTREAMS" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g')"
sed -e "s#@DIR@#$DIR#g" -e "s#@PORT@#$PORT#g" -e "s#@UPSTREAMS@#$UPSTREAMS_ESCAPED#" "$ROOT/deploy/nginx.conf.template" >"$DIR/nginx.conf"
"$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log"
for _ in $(seq 1 50); do healthy "http://127.0.0.1:$PORT" && break; sleep 0.1; done

node -e '
  const fs = require("node:fs");
  const [dir, port, nodes, pids, pgPid, dbUrl] = process.argv.slice(1);
  const nodePids = pids.split(" ").map(Number);
  const cluster = {
    url: `http://127.0.0.1:${port}`,
    nodes: nodePids.map((pid, i) => ({ url: `http://127.0.0.1:${Number(port) + i + 1}`, pid, log: `${dir}/node-${i + 1}.log` })),
    nginxPid: Number(fs.readFileSync(`${dir}/nginx.pid`, "utf8").trim()),
    postgresPid: pgPid ? Number(pgPid) : null,
    postgresDataDir: pgPid ? `${dir}/pg/data` : null,
    tokensFile: `${dir}/tokens.json`,
    configFile: `${dir}/hub.json`,
    databaseUrlFile: `${dir}/database-url`,
  };
  fs.writeFileSync(`${dir}/database-url`, dbUrl, { mode: 0o600 });
  fs.writeFileSync(`${dir}/cluster.json`, JSON.stringify(cluster, null, 2));
' "$DIR" "$PORT" "$NODES" "${NODE_PIDS[*]}" "$PG_PID" "$DATABASE_URL_ARG"
echo "cluster up: http://127.0.0.1:$PORT (nodes on $((PORT + 1))…$((PORT + NODES))); state in $DIR/cluster.json"
node -e '
  const tokens = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  for (const role of ["reviewer", "admin"]) console.log(`Console sign-in (${role}): ${process.argv[2]}/#token=${tokens.find((t) => t.role === role).token}`);
' "$TOKENS_FILE" "http://127.0.0.1:$PORT"
echo "$DIR"

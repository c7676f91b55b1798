#!/usr/bin/env bash
# Reloads the config of every hub node of a reference deployment (deploy/start-local-cluster.sh): edit DIR/hub.json,
# then run this. Each node re-reads its config file on SIGHUP; a reload reaches only the node it is sent to, so a
# revoked token stays valid on any node not reloaded. Exits non-zero if a node could not be signalled.
#
#   deploy/reload-local-cluster.sh DIR
set -euo pipefail
DIR="${1:?usage: deploy/reload-local-cluster.sh DIR}"
[ -f "$DIR/cluster.json" ] || { echo "no cluster.json in $DIR" >&2; exit 2; }
node -e '
  const { nodes } = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  let failed = 0;
  for (const node of nodes) {
    try {
      process.kill(node.pid, "SIGHUP");
      console.log(`reloaded ${node.url} (pid ${node.pid})`);
    } catch (error) {
      failed++;
      console.error(`could not reload ${node.url} (pid ${node.pid}): ${error.message}`);
    }
  }
  process.exit(failed > 0 ? 1 : 0);
' "$DIR/cluster.json"

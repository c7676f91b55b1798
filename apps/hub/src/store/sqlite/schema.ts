import type { Database } from 'better-sqlite3';

/** Versioned schema migrations; `PRAGMA user_version` records how far a database has come. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE approvals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL UNIQUE,
    principal_id TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending','approved','denied','expired','cancelled')),
    tool_name TEXT NOT NULL,
    args TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    run_id TEXT NOT NULL,
    conversation_id TEXT,
    description TEXT,
    queue TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    decision TEXT
  );
  CREATE INDEX approvals_pending_deadline ON approvals (status, expires_at);
  CREATE INDEX approvals_queue_seq ON approvals (queue, seq);
  CREATE INDEX approvals_status_seq ON approvals (status, seq);

  -- Decisions not yet acknowledged by the agent that asked: re-sent on every connection.
  CREATE TABLE deliveries (
    request_id TEXT PRIMARY KEY REFERENCES approvals (request_id),
    principal_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX deliveries_principal ON deliveries (principal_id);

  -- Append-only; each row chained to the previous by SHA-256.
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    request_id TEXT,
    queue TEXT,
    actor TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX audit_request ON audit (request_id, seq);
  CREATE INDEX audit_queue ON audit (queue, seq);
  `,
  // v2: the authenticated agent's name on each request, state hashes in the chain, indexes for quotas,
  // and a small key-value table for secrets that must live with the data.
  `
  ALTER TABLE approvals ADD COLUMN principal_name TEXT;
  ALTER TABLE audit ADD COLUMN state_hash TEXT;
  CREATE INDEX approvals_principal_status ON approvals (principal_id, status);
  CREATE INDEX approvals_queue_status ON approvals (queue, status);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
  `,
  // v3: what reviewers need to trust a decision, in one JSON column (risk as stated and as raised by hub rules,
  // summary, context, the suspicious text found on arrival), and the decision time as a column so history can be
  // sorted and paged by it. Earlier decisions get theirs from the decision they already hold.
  `
  ALTER TABLE approvals ADD COLUMN trust TEXT;
  ALTER TABLE approvals ADD COLUMN decided_at INTEGER;
  UPDATE approvals SET decided_at = CAST(round(unixepoch(json_extract(decision, '$.decidedAt'), 'subsec') * 1000) AS INTEGER)
    WHERE decision IS NOT NULL;
  UPDATE approvals SET decided_at = (
      SELECT CAST(round(unixepoch(a.at, 'subsec') * 1000) AS INTEGER) FROM audit a
      WHERE a.request_id = approvals.request_id AND a.type = 'cancelled' ORDER BY a.seq LIMIT 1)
    WHERE status = 'cancelled' AND decided_at IS NULL;
  CREATE INDEX approvals_decided ON approvals (decided_at, seq) WHERE decided_at IS NOT NULL;
  `,
  // Signed decision links that have decided their request: one row per link, written in the decision's own
  // transaction, so a link decides at most once. No foreign key: retention may purge the request and keep this.
  `
  CREATE TABLE decision_link_uses (
    link_id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    used_at INTEGER NOT NULL
  );
  `,
  // Grants, quorum and escalation (issue 16): a request's quorum progress and escalation as canonical JSON (compared
  // whole by conditional updates), the due escalation time as a column for the timer, and standing grants.
  `
  ALTER TABLE approvals ADD COLUMN quorum TEXT;
  ALTER TABLE approvals ADD COLUMN escalation TEXT;
  ALTER TABLE approvals ADD COLUMN escalate_at INTEGER;
  CREATE INDEX approvals_escalate_at ON approvals (escalate_at) WHERE escalate_at IS NOT NULL;
  CREATE TABLE grants (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id TEXT NOT NULL UNIQUE,
    effect TEXT NOT NULL CHECK (effect IN ('allow','deny')),
    queue TEXT NOT NULL,
    tool_name TEXT NOT NULL,
    match TEXT NOT NULL,
    granted_by_id TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    from_request_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER,
    revoked_by TEXT
  );
  CREATE INDEX grants_queue_live ON grants (queue, expires_at) WHERE revoked_at IS NULL;
  CREATE INDEX grants_queue_seq ON grants (queue, seq);
  `,
  // Notifications outbox (webhooks, Slack, email): rows are written in the transaction of the request or decision
  // they report, then claimed, sent and settled by the dispatcher (notifications/outbox-dispatcher.ts).
  `
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    event TEXT NOT NULL,
    request_id TEXT NOT NULL,
    target TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','dead','skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER NOT NULL,
    only_if_pending INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER,
    last_error TEXT,
    delivered_at INTEGER,
    response TEXT
  );
  CREATE INDEX outbox_due ON outbox (status, due_at);
  CREATE INDEX outbox_request ON outbox (request_id, channel);
  CREATE INDEX outbox_channel ON outbox (channel, seq);
  `,
  // Pending-request counters per agent and per queue (issue 23): the quota check reads one row instead of counting
  // the backlog. Triggers keep them in the very transaction that inserts, resolves, moves or deletes a pending row,
  // whichever write path does it, so they cannot drift from the rows they count; existing rows are counted once here.
  `
  CREATE TABLE pending_counts (
    scope TEXT NOT NULL CHECK (scope IN ('agent','queue')),
    name TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (scope, name)
  ) WITHOUT ROWID;
  INSERT INTO pending_counts (scope, name, n)
    SELECT 'agent', principal_id, COUNT(*) FROM approvals WHERE status = 'pending' GROUP BY principal_id;
  INSERT INTO pending_counts (scope, name, n)
    SELECT 'queue', queue, COUNT(*) FROM approvals WHERE status = 'pending' GROUP BY queue;
  CREATE TRIGGER approvals_pending_insert AFTER INSERT ON approvals WHEN NEW.status = 'pending'
  BEGIN
    INSERT INTO pending_counts (scope, name, n) VALUES ('agent', NEW.principal_id, 1) ON CONFLICT (scope, name) DO UPDATE SET n = n + 1;
    INSERT INTO pending_counts (scope, name, n) VALUES ('queue', NEW.queue, 1) ON CONFLICT (scope, name) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER approvals_pending_leave AFTER UPDATE OF status, queue, principal_id ON approvals
    WHEN OLD.status = 'pending' AND (NEW.status <> 'pending' OR NEW.queue <> OLD.queue OR NEW.principal_id <> OLD.principal_id)
  BEGIN
    UPDATE pending_counts SET n = n - 1 WHERE scope = 'agent' AND name = OLD.principal_id;
    UPDATE pending_counts SET n = n - 1 WHERE scope = 'queue' AND name = OLD.queue;
  END;
  CREATE TRIGGER approvals_pending_enter AFTER UPDATE OF status, queue, principal_id ON approvals
    WHEN NEW.status = 'pending' AND (OLD.status <> 'pending' OR NEW.queue <> OLD.queue OR NEW.principal_id <> OLD.principal_id)
  BEGIN
    INSERT INTO pending_counts (scope, name, n) VALUES ('agent', NEW.principal_id, 1) ON CONFLICT (scope, name) DO UPDATE SET n = n + 1;
    INSERT INTO pending_counts (scope, name, n) VALUES ('queue', NEW.queue, 1) ON CONFLICT (scope, name) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER approvals_pending_delete AFTER DELETE ON approvals WHEN OLD.status = 'pending'
  BEGIN
    UPDATE pending_counts SET n = n - 1 WHERE scope = 'agent' AND name = OLD.principal_id;
    UPDATE pending_counts SET n = n - 1 WHERE scope = 'queue' AND name = OLD.queue;
  END;
  `,
];

export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`Database schema version ${current} is newer than this hub (${MIGRATIONS.length}); upgrade the hub.`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

import type pg from 'pg';

/**
 * Versioned migrations; `schema_migrations` records which have run. The columns mirror the SQLite store's, with
 * JSON kept as TEXT (not jsonb, which would re-serialise it): the audit chain hashes the stored text itself.
 */
const MIGRATIONS: string[] = [
  // approvals.seq is the position cursors carry. It is taken at insert, so with concurrent writers a row can commit
  // after one with a higher position: a page walk may pass over it, which is why deliveries are also pushed live and
  // re-read on every connection. audit.seq, by contrast, is given out under the head lock, in commit order, gap-free.
  `
  CREATE TABLE approvals (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE,
    principal_id TEXT NOT NULL,
    principal_name TEXT,
    request_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending','approved','denied','expired','cancelled')),
    tool_name TEXT NOT NULL,
    args TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    run_id TEXT NOT NULL,
    conversation_id TEXT,
    description TEXT,
    queue TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    decision TEXT
  );
  CREATE INDEX approvals_pending_deadline ON approvals (status, expires_at);
  CREATE INDEX approvals_queue_seq ON approvals (queue, seq);
  CREATE INDEX approvals_status_seq ON approvals (status, seq);
  CREATE INDEX approvals_principal_status ON approvals (principal_id, status);
  CREATE INDEX approvals_queue_status ON approvals (queue, status);

  -- Decisions not yet acknowledged by the agent that asked: re-sent on every connection.
  CREATE TABLE deliveries (
    request_id TEXT PRIMARY KEY REFERENCES approvals (request_id),
    principal_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX deliveries_principal ON deliveries (principal_id);

  -- Append-only; each row chained to the previous by SHA-256. "at" compares as bytes (ISO times), whatever the
  -- database's collation.
  CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at TEXT COLLATE "C" NOT NULL,
    type TEXT NOT NULL,
    request_id TEXT,
    queue TEXT,
    actor TEXT NOT NULL,
    data TEXT NOT NULL,
    state_hash TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX audit_request ON audit (request_id, seq);
  CREATE INDEX audit_queue ON audit (queue, seq);

  -- The chain's head, one row: every append locks it (SELECT ... FOR UPDATE) inside its transaction, so writers on
  -- any number of nodes take turns and the chain never forks.
  CREATE TABLE audit_head (
    id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
  );
  INSERT INTO audit_head (id, seq, hash) VALUES (TRUE, 0, repeat('0', 64));

  CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
  `,
  // v2: what reviewers need to trust a decision, in one JSON column (as on SQLite's v3), and the decision time as a
  // column so history can be sorted and paged by it. Earlier decisions get theirs from the decision they hold.
  `
  ALTER TABLE approvals ADD COLUMN trust TEXT, ADD COLUMN decided_at BIGINT;
  UPDATE approvals SET decided_at = (extract(epoch FROM (decision::json ->> 'decidedAt')::timestamptz) * 1000)::bigint
    WHERE decision IS NOT NULL;
  CREATE INDEX approvals_decided ON approvals (decided_at, seq) WHERE decided_at IS NOT NULL;
  `,
  // v3: the table @socket.io/postgres-adapter keeps broadcasts in when they are too large for a NOTIFY (its own
  // schema, as its documentation gives it).
  `
  CREATE TABLE IF NOT EXISTS socket_io_attachments (
    id BIGSERIAL UNIQUE,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    payload BYTEA
  );
  `,
  // Signed decision links that have decided their request: one row per link, written in the decision's own
  // transaction, so a link decides at most once (as on SQLite). No foreign key: retention may purge the request.
  `
  CREATE TABLE decision_link_uses (
    link_id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    used_at BIGINT NOT NULL
  );
  `,
  // Grants, quorum and escalation (issue 16), as on SQLite: quorum progress and escalation as canonical JSON text
  // (compared whole by conditional updates), the due escalation time for the timer, and standing grants.
  `
  ALTER TABLE approvals ADD COLUMN quorum TEXT, ADD COLUMN escalation TEXT, ADD COLUMN escalate_at BIGINT;
  CREATE INDEX approvals_escalate_at ON approvals (escalate_at) WHERE escalate_at IS NOT NULL;
  CREATE TABLE grants (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grant_id TEXT NOT NULL UNIQUE,
    effect TEXT NOT NULL CHECK (effect IN ('allow','deny')),
    queue TEXT NOT NULL,
    tool_name TEXT NOT NULL,
    match TEXT NOT NULL,
    granted_by_id TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    from_request_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked_at BIGINT,
    revoked_by TEXT
  );
  CREATE INDEX grants_queue_live ON grants (queue, expires_at) WHERE revoked_at IS NULL;
  CREATE INDEX grants_queue_seq ON grants (queue, seq);
  `,
  // Notifications outbox (webhooks, Slack, email), as on SQLite: written in the transaction of the request or
  // decision it reports; claimed with FOR UPDATE SKIP LOCKED and a lease, so nodes never send one row at once.
  `
  CREATE TABLE outbox (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    event TEXT NOT NULL,
    request_id TEXT NOT NULL,
    target TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','dead','skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at BIGINT NOT NULL,
    only_if_pending BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_attempt_at BIGINT,
    last_error TEXT,
    delivered_at BIGINT,
    response TEXT
  );
  CREATE INDEX outbox_due ON outbox (status, due_at);
  CREATE INDEX outbox_request ON outbox (request_id, channel);
  CREATE INDEX outbox_channel ON outbox (channel, seq);
  `,
  // The audit append as one server-side step (audit-append.ts): it locks the chain head, chains the given rows from
  // it with the same SHA-256 the hub computes (previous hash, a newline, then `[seq,` and the row's JSON tail), and
  // moves the head, so the lock is held for no client round trip. Integrity failures raise AH001 / AH002.
  `
  CREATE FUNCTION audit_append(entries json, last_seq bigint, last_hash text) RETURNS TABLE (seq bigint, hash text)
  LANGUAGE plpgsql AS $fn$
  DECLARE
    head_seq bigint;
    head_hash text;
    next_hash text;
    entry json;
  BEGIN
    SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_head h FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'the audit_head row is missing' USING ERRCODE = 'AH002';
    END IF;
    IF last_seq IS NOT NULL AND (head_seq < last_seq OR (head_seq = last_seq AND head_hash <> last_hash)) THEN
      RAISE EXCEPTION 'the audit chain went back behind row %', last_seq USING ERRCODE = 'AH001';
    END IF;
    FOR entry IN SELECT e.value FROM json_array_elements(entries) WITH ORDINALITY AS e(value, n) ORDER BY e.n LOOP
      next_hash := encode(sha256(convert_to(head_hash || E'\n[' || (head_seq + 1)::text || ',' || (entry ->> 'tail'), 'UTF8')), 'hex');
      INSERT INTO audit (seq, at, type, request_id, queue, actor, data, state_hash, prev_hash, hash)
      VALUES (head_seq + 1, entry ->> 'at', entry ->> 'type', entry ->> 'requestId', entry ->> 'queue', entry ->> 'actor', entry ->> 'data', entry ->> 'stateHash', head_hash, next_hash);
      head_seq := head_seq + 1;
      head_hash := next_hash;
    END LOOP;
    UPDATE audit_head SET seq = head_seq, hash = head_hash;
    RETURN QUERY SELECT head_seq, head_hash;
  END
  $fn$;
  `,
  // Pending quotas checked in the committing message (audit-append.ts): per agent and per queue, inserts take turns
  // on an advisory lock keyed on a hash of the name (held to COMMIT; always agent then queue, so no deadlock) and
  // count the pending requests, the new one included. Over a limit raises AH003 (agent) or AH004 (queue).
  `
  CREATE FUNCTION approval_quota_check(principal text, queue_name text, max_agent bigint, max_queue bigint) RETURNS void
  LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM pg_advisory_xact_lock(1, hashtext(principal));
    PERFORM pg_advisory_xact_lock(2, hashtext(queue_name));
    IF (SELECT COUNT(*) FROM approvals WHERE principal_id = principal AND status = 'pending') > max_agent THEN
      RAISE EXCEPTION 'over the agent quota' USING ERRCODE = 'AH003';
    END IF;
    IF (SELECT COUNT(*) FROM approvals WHERE queue = queue_name AND status = 'pending') > max_queue THEN
      RAISE EXCEPTION 'over the queue quota' USING ERRCODE = 'AH004';
    END IF;
  END
  $fn$;
  `,
  // Pending-request counters per agent and per queue (issue 23), as on SQLite: the quota check reads one row instead
  // of counting the backlog. A deferred constraint trigger keeps them in the transaction that inserts, resolves, moves
  // or deletes a pending row, whatever the write path, and runs at COMMIT (or at SET CONSTRAINTS … IMMEDIATE), so
  // the counter rows' locks are held for no client round trip. Rows are always locked agents first, then queues,
  // each pair in name order, so two transactions never wait on each other in a cycle. The counter row lock now
  // serialises inserts per agent and per queue, as the advisory locks did: approval_quota_check only reads.
  `
  CREATE TABLE pending_counts (
    scope TEXT NOT NULL CHECK (scope IN ('agent','queue')),
    name TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (scope, name)
  );
  INSERT INTO pending_counts (scope, name, n)
    SELECT 'agent', principal_id, COUNT(*) FROM approvals WHERE status = 'pending' GROUP BY principal_id;
  INSERT INTO pending_counts (scope, name, n)
    SELECT 'queue', queue, COUNT(*) FROM approvals WHERE status = 'pending' GROUP BY queue;

  CREATE FUNCTION pending_count_add(count_scope text, count_name text, delta bigint) RETURNS void
  LANGUAGE plpgsql AS $fn$
  BEGIN
    IF delta = 0 OR count_name IS NULL THEN RETURN; END IF;
    INSERT INTO pending_counts AS c (scope, name, n) VALUES (count_scope, count_name, delta)
      ON CONFLICT (scope, name) DO UPDATE SET n = c.n + delta;
  END
  $fn$;

  -- One scope's change: -1 for the name the row left (if it was pending), +1 for the one it entered.
  CREATE FUNCTION pending_count_move(count_scope text, left_name text, entered_name text) RETURNS void
  LANGUAGE plpgsql AS $fn$
  BEGIN
    IF left_name IS NOT DISTINCT FROM entered_name THEN RETURN; END IF;
    IF entered_name IS NULL OR (left_name IS NOT NULL AND left_name < entered_name) THEN
      PERFORM pending_count_add(count_scope, left_name, -1);
      PERFORM pending_count_add(count_scope, entered_name, 1);
    ELSE
      PERFORM pending_count_add(count_scope, entered_name, 1);
      PERFORM pending_count_add(count_scope, left_name, -1);
    END IF;
  END
  $fn$;

  CREATE FUNCTION approvals_pending_counts() RETURNS trigger
  LANGUAGE plpgsql AS $fn$
  DECLARE
    was_pending boolean := TG_OP <> 'INSERT' AND OLD.status = 'pending';
    is_pending boolean := TG_OP <> 'DELETE' AND NEW.status = 'pending';
  BEGIN
    PERFORM pending_count_move('agent', CASE WHEN was_pending THEN OLD.principal_id END, CASE WHEN is_pending THEN NEW.principal_id END);
    PERFORM pending_count_move('queue', CASE WHEN was_pending THEN OLD.queue END, CASE WHEN is_pending THEN NEW.queue END);
    RETURN NULL;
  END
  $fn$;

  CREATE CONSTRAINT TRIGGER approvals_pending_counts
    AFTER INSERT OR UPDATE OF status, queue, principal_id OR DELETE ON approvals
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION approvals_pending_counts();

  -- Called after SET CONSTRAINTS approvals_pending_counts IMMEDIATE (audit-append.ts), so the counters already
  -- include this transaction's insert and their rows are locked by it until COMMIT.
  CREATE OR REPLACE FUNCTION approval_quota_check(principal text, queue_name text, max_agent bigint, max_queue bigint) RETURNS void
  LANGUAGE plpgsql AS $fn$
  BEGIN
    IF COALESCE((SELECT n FROM pending_counts WHERE scope = 'agent' AND name = principal), 0) > max_agent THEN
      RAISE EXCEPTION 'over the agent quota' USING ERRCODE = 'AH003';
    END IF;
    IF COALESCE((SELECT n FROM pending_counts WHERE scope = 'queue' AND name = queue_name), 0) > max_queue THEN
      RAISE EXCEPTION 'over the queue quota' USING ERRCODE = 'AH004';
    END IF;
  END
  $fn$;
  `,
  // Group commit (issue 23, write-batch.ts): one quota check for a whole batch of inserts, after the deferred counter
  // trigger has counted all of them. Insert i of an agent (or queue) is over when the counter, less that agent's
  // inserts after i in the batch, passes its limit: the batch's inserts are counted as if made one after another. Over
  // a limit raises AH005 with DETAIL a JSON list of [i, scope, limit], so the store answers those inserts alone.
  `
  CREATE FUNCTION approval_quota_check_batch(checks json) RETURNS void
  LANGUAGE plpgsql AS $fn$
  DECLARE
    over json;
  BEGIN
    SELECT json_agg(json_build_array(c.i, CASE WHEN c.agent_n > c.max_agent THEN 'agent' ELSE 'queue' END,
                                          CASE WHEN c.agent_n > c.max_agent THEN c.max_agent ELSE c.max_queue END) ORDER BY c.i)
      INTO over
      FROM (
        SELECT x.i, x.max_agent, x.max_queue,
          COALESCE((SELECT n FROM pending_counts WHERE scope = 'agent' AND name = x.principal), 0)
            - (count(*) OVER (PARTITION BY x.principal ORDER BY x.i DESC) - 1) AS agent_n,
          COALESCE((SELECT n FROM pending_counts WHERE scope = 'queue' AND name = x.queue), 0)
            - (count(*) OVER (PARTITION BY x.queue ORDER BY x.i DESC) - 1) AS queue_n
        FROM json_to_recordset(checks) AS x(i int, principal text, queue text, max_agent bigint, max_queue bigint)
      ) c
      WHERE c.agent_n > c.max_agent OR c.queue_n > c.max_queue;
    IF over IS NOT NULL THEN
      RAISE EXCEPTION 'over a pending quota' USING ERRCODE = 'AH005', DETAIL = over::text;
    END IF;
  END
  $fn$;
  `,
  // The audit append without JSON (issue 23): the batch's rows come as one text array per column, each value a
  // dollar-quoted literal in the committing message (write-batch.ts), so neither the hub nor PostgreSQL escapes,
  // parses or re-reads a tool call's arguments: the server only hashes each row's tail (the same text as before,
  // built by the hub) and stores the columns. Rows are still chained one after another in array order under the head
  // lock, and integrity failures raise AH001 / AH002 as before.
  `
  DROP FUNCTION IF EXISTS audit_append(json, bigint, text);
  CREATE OR REPLACE FUNCTION audit_append(ats text[], types text[], request_ids text[], queues text[], actors text[], datas text[],
                               state_hashes text[], tails text[], last_seq bigint, last_hash text) RETURNS TABLE (seq bigint, hash text)
  LANGUAGE plpgsql AS $fn$
  DECLARE
    first_seq bigint;
    first_hash text;
    head_seq bigint;
    head_hash text;
    hashes text[] := '{}';
    row_count int := coalesce(array_length(tails, 1), 0);
  BEGIN
    SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_head h FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'the audit_head row is missing' USING ERRCODE = 'AH002';
    END IF;
    IF last_seq IS NOT NULL AND (head_seq < last_seq OR (head_seq = last_seq AND head_hash <> last_hash)) THEN
      RAISE EXCEPTION 'the audit chain went back behind row %', last_seq USING ERRCODE = 'AH001';
    END IF;
    first_seq := head_seq;
    first_hash := head_hash;
    FOR i IN 1 .. row_count LOOP
      head_seq := head_seq + 1;
      head_hash := encode(sha256(convert_to(head_hash || E'\n[' || head_seq::text || ',' || tails[i], 'UTF8')), 'hex');
      hashes[i] := head_hash;
    END LOOP;
    INSERT INTO audit (seq, at, type, request_id, queue, actor, data, state_hash, prev_hash, hash)
      SELECT first_seq + r.n, r.at, r.type, r.request_id, r.queue, r.actor, r.data, r.state_hash,
             CASE WHEN r.n = 1 THEN first_hash ELSE hashes[r.n::int - 1] END, hashes[r.n::int]
        FROM unnest(ats, types, request_ids, queues, actors, datas, state_hashes) WITH ORDINALITY
          AS r(at, type, request_id, queue, actor, data, state_hash, n);
    UPDATE audit_head SET seq = head_seq, hash = head_hash;
    RETURN QUERY SELECT head_seq, head_hash;
  END
  $fn$;
  `,
];

/** pg_advisory_xact_lock key for migrations (any fixed number; "ahub" in ASCII). */
const MIGRATION_LOCK = 0x61687562;

/**
 * Brings the schema up to date, one transaction per migration. Each transaction first takes an advisory lock, so
 * nodes starting at the same moment take turns, and each re-reads the version under that lock: a migration
 * another node has just applied is skipped, never run twice. Returns the schema version.
 */
export async function migrate(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
        const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
        const current = rows[0]?.version ?? 0;
        if (current > MIGRATIONS.length) throw new Error(`Database schema version ${current} is newer than this hub (${MIGRATIONS.length}); upgrade the hub.`);
        if (current === MIGRATIONS.length) {
          await client.query('COMMIT');
          return current;
        }
        await client.query(MIGRATIONS[current]!);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [current + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
  } finally {
    client.release();
  }
}

/** The schema version a database is at (0 when the hub never migrated it), without changing anything. */
export async function schemaVersion(queryable: pg.Pool | pg.PoolClient): Promise<number> {
  const { rows } = await queryable.query<{ exists: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists");
  if (!rows[0]?.exists) return 0;
  const version = await queryable.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return version.rows[0]?.version ?? 0;
}

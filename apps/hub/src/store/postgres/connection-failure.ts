import { StoreIntegrityError, StoreUnavailableError } from '../store.js';
import { postgresTarget } from './postgres-url.js';

/** PostgreSQL error codes (SQLSTATE) and Node socket codes worth a sentence of their own. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there (is PostgreSQL running, and on that port?)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS lookup failed)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  '28P01': 'the password was refused',
  '28000': 'the server refuses this user or address (check pg_hba.conf)',
  '3D000': 'the database does not exist (create it first: createdb NAME)',
  '42501': 'the user may not create the hub\'s tables (grant it CREATE on the database or schema)',
  '57P03': 'the server is starting up or shutting down',
};

/**
 * Turns whatever failed while opening the store into one readable sentence naming where (never the password) and
 * why, for the single line the CLI prints. The original error stays as `cause`.
 */
export function connectionFailure(error: unknown, url: string): Error {
  if (error instanceof StoreIntegrityError || error instanceof StoreUnavailableError) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const reason = (code && REASONS[code]) ?? (/timeout/i.test(message) ? 'the connection timed out' : message);
  return new StoreUnavailableError(`Cannot open the PostgreSQL database at ${postgresTarget(url)}: ${reason}${code && REASONS[code] ? ` (${code})` : ''}`, { cause: error });
}

import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { TokenConfig } from '../config.js';
import { DEMO_AGENT_NAMES } from '../demo/demo-agent-names.js';

export const DEV_TOKENS_FILE = 'dev-tokens.json';

/** The hub will not use dev tokens others could have read or replaced; the message names the file and the fix. */
export class DevTokensError extends Error {
  override name = 'DevTokensError';
}

const DevTokens = z.array(
  z.strictObject({
    token: z.string().min(16),
    role: z.enum(['agent', 'reviewer', 'admin']),
    name: z.string().min(1).max(128),
    id: z.string().min(1).max(128).optional(),
  }),
);

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;
const ownUid = () => (typeof process.getuid === 'function' ? process.getuid() : null);

function statOrNull(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Another user who can write the directory could replace the file (unless the sticky bit stops them). */
function checkDirectory(dataDir: string, file: string): void {
  const dir = statOrNull(dataDir);
  if (!dir) return;
  if (!dir.isDirectory()) throw new DevTokensError(`refusing to use dev tokens in ${dataDir}: it is not a directory`);
  if ((dir.mode & 0o022) !== 0 && (dir.mode & 0o1000) === 0) {
    throw new DevTokensError(`refusing to use dev tokens ${file}: its directory ${dataDir} is writable by other users (mode ${octal(dir.mode)}); run \`chmod go-w ${dataDir}\` or configure tokens`);
  }
}

/** Only a regular file of ours that nobody else can read or write: tokens others saw are not secrets. */
function checkFile(file: string, stat: Stats): void {
  if (!stat.isFile()) throw new DevTokensError(`refusing to load dev tokens from ${file}: it is not a regular file (a symlink?); remove it and restart to create a new one`);
  const uid = ownUid();
  if (uid !== null && stat.uid !== uid) {
    throw new DevTokensError(`refusing to load dev tokens from ${file}: it is owned by uid ${stat.uid}, not by this user (uid ${uid}); remove it and restart to create a new one`);
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new DevTokensError(`refusing to load dev tokens from ${file}: other users can read or write it (mode ${octal(stat.mode)}); run \`chmod 600 ${file}\`, or remove it and restart for new tokens`);
  }
}

/**
 * With no tokens configured, the hub makes one token per role (and one per demo agent) once and keeps them beside the database
 * (readable by the owner only), so the sign-in link stays the same across restarts. It loads them only from a
 * file it could have written itself: ours, mode 0600, in a directory other users cannot write. A file written
 * before the demo agents had tokens of their own is used as it is: the demo then falls back to the shared agent token.
 */
export function loadOrCreateDevTokens(dataDir: string): { tokens: TokenConfig[]; file: string; created: boolean } {
  const file = path.join(dataDir, DEV_TOKENS_FILE);
  checkDirectory(dataDir, file);
  const existing = statOrNull(file);
  if (existing) {
    checkFile(file, existing);
    let tokens: unknown;
    let fd: number | null = null;
    try {
      // Checked again on the open descriptor (no symlink followed), so the file read is the file checked.
      fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
      checkFile(file, fstatSync(fd));
      tokens = JSON.parse(readFileSync(fd, 'utf8'));
    } catch (error) {
      if (error instanceof DevTokensError) throw error;
      throw new DevTokensError(`cannot read dev tokens from ${file}: ${(error as Error).message}; remove it and restart to create a new one`);
    } finally {
      if (fd !== null) closeSync(fd);
    }
    const parsed = DevTokens.safeParse(tokens);
    if (!parsed.success) throw new DevTokensError(`dev tokens file ${file} is malformed; remove it and restart to create a new one`);
    return { tokens: parsed.data, file, created: false };
  }
  const make = () => randomBytes(24).toString('base64url');
  const tokens: TokenConfig[] = [
    { token: make(), role: 'admin', name: 'Dev Admin', id: 'dev-admin' },
    { token: make(), role: 'reviewer', name: 'Dev Reviewer', id: 'dev-reviewer' },
    // The shared agent token stays first (tools and older setups take the first agent token as "the" one).
    { token: make(), role: 'agent', name: 'demo-agents', id: 'demo-agents' },
    // One token per demo agent, so reviewers see who asked (`ops-agent`), not a shared principal and a claim.
    ...DEMO_AGENT_NAMES.map((name): TokenConfig => ({ token: make(), role: 'agent', name, id: name })),
  ];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // `wx`: never write through a file (or symlink) someone planted between the check and here.
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { tokens, file, created: true };
}

import path from 'node:path';
import { ConfigError, loadCrashAt } from '../config.js';
import { crashHookAt } from '../runtime/crash-hook.js';
import { createLogger } from '../runtime/logger.js';
import { runHub } from '../main.js';

/**
 * Test-only entry (not a bin): the hub as `main.ts` runs it, plus the HUB_CRASH_AT fault injection, so crash
 * tests can kill it at exact points. The production entry never reads HUB_CRASH_AT.
 */
async function runCrashableHub(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  let crashAt: ReturnType<typeof loadCrashAt>;
  try {
    crashAt = loadCrashAt(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`approval-hub: ${error.message}\n`);
    process.exit(2);
  }
  if (!crashAt) return runHub(argv, env);
  // Die at the named point the way an OOM kill or `kill -9` would.
  const crashHook = crashHookAt(crashAt, () => process.kill(process.pid, 'SIGKILL'));
  createLogger('warn').warn({ event: 'crash-hook.armed', ...crashAt }, 'HUB_CRASH_AT is set: this hub will kill itself (tests only)');
  return runHub(argv, env, { crashHook, store: { crashAt } });
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isEntry) {
  runCrashableHub(process.argv.slice(2), process.env).catch((error: unknown) => {
    process.stderr.write(`approval-hub: failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchTarget } from './bench-target.js';
import { spawnServer } from './server-process.js';

/** The bare Socket.IO relay (baseline L1), as a separate process like the hub. */
export function relayTarget(workDir: string, cpuProfileDir?: string): BenchTarget {
  const dir = path.join(workDir, 'relay');
  mkdirSync(dir, { recursive: true });
  return {
    id: 'relay',
    start(port = 0) {
      return spawnServer({
        name: 'relay',
        nodeArgs: cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [],
        script: fileURLToPath(new URL('../relay/relay-main.js', import.meta.url)),
        args: ['--port', String(port)],
        logFile: path.join(dir, 'relay.log'),
      });
    },
    databaseBytes: async () => null,
    walBytes: () => null,
    cpuProfiles: () =>
      cpuProfileDir && existsSync(cpuProfileDir)
        ? readdirSync(cpuProfileDir)
            .filter((f) => f.endsWith('.cpuprofile'))
            .map((f) => path.join(cpuProfileDir, f))
        : [],
  };
}

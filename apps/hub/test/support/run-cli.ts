import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/** The test-only entry that honours HUB_CRASH_AT (the production one does not). */
export const crashMainPath = fileURLToPath(new URL('../../dist/testing/crash-main.js', import.meta.url));

/** Runs the built `approval-hub` CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the built hub as a real process and resolves once it prints its banner. */
export function startHubProcess(args: string[], env: Record<string, string> = {}, entry: string = mainPath) {
  const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 15_000);
    const check = () => {
      const match = /Approval Hub \S+ on (http:\/\/\S+)/.exec(output);
      if (match && output.includes('\n\n')) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    ready,
    output: () => output,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

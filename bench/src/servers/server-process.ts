import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ServerProcess {
  /** Where the server listens; for a cluster, its first node (the name its sockets are filed under). */
  readonly url: string;
  /** Every node's URL: one for a single server, one per hub for a cluster. Clients spread over them. */
  readonly nodeUrls: readonly string[];
  readonly port: number;
  readonly pid: number;
  /** Milliseconds from spawn to the ready line. */
  readonly startupMs: number;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL and wait for the exit: a crash, as far as the server can tell. */
  kill(): Promise<void>;
  /** CPU time the server's database processes have used so far (µs), for a server with its own database server. */
  databaseCpuMicros?(): number;
}

export interface SpawnServerOptions {
  name: string;
  nodeArgs: readonly string[];
  script: string;
  args: readonly string[];
  /** All of the server's output goes here (a pipe that nobody reads would block it). */
  logFile: string;
  readyTimeoutMs?: number;
}

/** Both the hub and the relay print "… on http://host:port" once they listen. */
const READY_LINE = /\bon (http:\/\/[^\s)]+)/;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a server as its own Node process and resolves once it prints its URL. */
export function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  const started = performance.now();
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...options.nodeArgs, options.script, ...options.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.once('exit', () => setTimeout(() => log.end(), 100));

  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not become ready within ${options.readyTimeoutMs ?? 30_000} ms (log: ${options.logFile})`));
    }, options.readyTimeoutMs ?? 30_000);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited before it was ready (code ${code}, signal ${signal}); log: ${options.logFile}`));
    };
    child.once('exit', onExit);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      const match = READY_LINE.exec(seen);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout.off('data', onData);
      const url = match[1]!;
      const startupMs = performance.now() - started;
      const handle: ServerProcess = {
        url,
        nodeUrls: [url],
        port: Number(new URL(url).port),
        pid: child.pid!,
        startupMs,
        async stop(graceMs = 15_000) {
          const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.kill('SIGTERM');
          await exited(child);
          clearTimeout(force);
        },
        async kill() {
          child.kill('SIGKILL');
          await exited(child);
        },
      };
      resolve(handle);
    };
    child.stdout.on('data', onData);
  });
}

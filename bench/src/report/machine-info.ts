import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  openFilesLimit: string;
}

export interface Versions {
  node: string;
  socketIo: string;
  socketIoClient: string;
  betterSqlite3: string;
  hub: string;
  gitCommit: string;
}

function shell(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    // Thousands of sockets need descriptors; children inherit this limit.
    openFilesLimit: shell('sh', ['-c', 'ulimit -n']),
  };
}

/** The version of `name` as installed for the package at `fromFile` (walks up from its entry to its package.json). */
function installedVersion(name: string, fromFile: string): string {
  try {
    let dir = path.dirname(createRequire(fromFile).resolve(name));
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // No package.json at this level; keep walking up.
      }
      const parent = path.dirname(dir);
      if (parent === dir) return 'unknown';
      dir = parent;
    }
  } catch {
    return 'unknown';
  }
}

export function versions(): Versions {
  const hubEntry = fileURLToPath(import.meta.resolve('@approval-hub/hub'));
  const hubPackage = JSON.parse(readFileSync(path.join(path.dirname(hubEntry), '..', 'package.json'), 'utf8')) as { version: string };
  const dirty = shell('git', ['status', '--porcelain']) !== '' ? ' (uncommitted changes)' : '';
  return {
    node: process.version,
    socketIo: installedVersion('socket.io', hubEntry),
    socketIoClient: installedVersion('socket.io-client', fileURLToPath(import.meta.url)),
    betterSqlite3: installedVersion('better-sqlite3', hubEntry),
    hub: hubPackage.version,
    gitCommit: `${shell('git', ['rev-parse', '--short', 'HEAD'])}${dirty}`,
  };
}

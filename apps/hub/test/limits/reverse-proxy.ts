import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@approval-hub/test-ports';

/** A reverse proxy in front of test hubs: the reference nginx config when nginx is installed, else a small Node proxy. */
export interface ReverseProxy {
  url: string;
  kind: 'nginx' | 'node';
  close(): Promise<void>;
}

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const TEMPLATE = fileURLToPath(new URL('../../../../deploy/nginx.conf.template', import.meta.url));

async function reachable(url: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {}
    if (Date.now() > until) throw new Error(`proxy at ${url} never answered`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** nginx with deploy/nginx.conf.template, upstreams = the given hub ports. */
async function startNginx(dir: string, upstreamPorts: number[]): Promise<ReverseProxy> {
  const port = await freePort();
  mkdirSync(path.join(dir, 'nginx-tmp'), { recursive: true });
  const upstreams = upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  const conf = readFileSync(TEMPLATE, 'utf8').replaceAll('@DIR@', dir).replaceAll('@PORT@', String(port)).replace('@UPSTREAMS@', upstreams);
  const confPath = path.join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const started = spawnSync(NGINX!, ['-p', dir, '-c', confPath, '-e', path.join(dir, 'nginx-error.log')], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`nginx did not start: ${started.stderr}`);
  const url = `http://127.0.0.1:${port}`;
  await reachable(url);
  return {
    url,
    kind: 'nginx',
    close: async () => {
      const pid = Number(readFileSync(path.join(dir, 'nginx.pid'), 'utf8').trim());
      process.kill(pid, 'SIGTERM');
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** A minimal proxy that appends the peer to X-Forwarded-For, as nginx's `$proxy_add_x_forwarded_for` does. */
async function startNodeProxy(upstreamPorts: number[]): Promise<ReverseProxy> {
  let next = 0;
  const pick = () => upstreamPorts[next++ % upstreamPorts.length]!;
  const forwarded = (req: { headers: Record<string, string | string[] | undefined>; socket: { remoteAddress?: string | undefined } }) => {
    const prior = req.headers['x-forwarded-for'];
    return prior ? `${String(prior)}, ${req.socket.remoteAddress}` : (req.socket.remoteAddress ?? '');
  };
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest({ host: '127.0.0.1', port: pick(), method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': forwarded(req) } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    const upstream = netConnect(pick(), '127.0.0.1', () => {
      const headers = { ...req.headers, 'x-forwarded-for': forwarded(req) };
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}`);
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    kind: 'node',
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function startReverseProxy(dir: string, upstreamPorts: number[]): Promise<ReverseProxy> {
  if (NGINX && spawnSync(NGINX, ['-v']).status === 0) return startNginx(dir, upstreamPorts);
  return startNodeProxy(upstreamPorts);
}

import { request } from 'node:http';

export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

/**
 * One HTTP call from a chosen loopback address (Linux routes all of 127.0.0.0/8 to lo), so tests can play several
 * clients behind one reverse proxy. `headers` may carry a forged X-Forwarded-For.
 */
export function callFrom(localAddress: string, url: string, method: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        localAddress,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

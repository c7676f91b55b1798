import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Env, Hono } from 'hono';
import { problem } from './rest-errors.js';

/**
 * The client packages the hub serves at `GET /downloads/<name>.tgz`, so `npx -y http://hub:4000/downloads/mcp-proxy.tgz`
 * works with no registry account. The tarballs are packed when the hub is built (scripts/pack-client-downloads.mjs).
 */
export const CLIENT_DOWNLOADS = ['agent-sdk.tgz', 'mcp-proxy.tgz'] as const;

export const DOWNLOADS_PATH = '/downloads/:file';

export function mountClientDownloads<E extends Env>(app: Hono<E>, downloadsDir: string): void {
  app.get(DOWNLOADS_PATH, async (c) => {
    const file = c.req.param('file');
    if (!(CLIENT_DOWNLOADS as readonly string[]).includes(file)) {
      return problem(c, 'not_found', `No download ${file}; the hub serves ${CLIENT_DOWNLOADS.join(', ')}`);
    }
    const body = await readFile(path.join(downloadsDir, file)).catch(() => null);
    if (!body) {
      return problem(c, 'not_found', `${file} was not packed with this hub (build the hub with pnpm build to pack it)`);
    }
    return c.body(body, 200, { 'Content-Type': 'application/gzip', 'Cache-Control': 'no-cache', 'Content-Disposition': `attachment; filename="${file}"` });
  });
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { httpStatusOf } from '@approval-hub/protocol';
import type { Env, Hono } from 'hono';

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
      return c.json({ error: { code: 'not_found', message: `No download ${file}; the hub serves ${CLIENT_DOWNLOADS.join(', ')}` } }, httpStatusOf.not_found as 404);
    }
    const body = await readFile(path.join(downloadsDir, file)).catch(() => null);
    if (!body) {
      return c.json({ error: { code: 'not_found', message: `${file} was not packed with this hub (build the hub with pnpm build to pack it)` } }, httpStatusOf.not_found as 404);
    }
    return c.body(body, 200, { 'Content-Type': 'application/gzip', 'Cache-Control': 'no-cache', 'Content-Disposition': `attachment; filename="${file}"` });
  });
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { apiRoute, routeMounter, textAnswer, type ApiApp } from './api-routes.js';
import { problem } from './rest-errors.js';

/**
 * The client packages the hub serves at `GET /downloads/<name>.tgz`, so `npx -y http://hub:4000/downloads/mcp-proxy.tgz`
 * works with no registry account. The tarballs are packed when the hub is built (scripts/pack-client-downloads.mjs).
 */
export const CLIENT_DOWNLOADS = ['agent-sdk.tgz', 'mcp-proxy.tgz'] as const;

const download = apiRoute({
  method: 'get',
  path: '/downloads/{file}',
  summary: 'The client packages, as npm tarballs',
  description:
    'The agent SDK and the MCP proxy, packed when the hub was built, each installable alone: `npm install http://hub:4000/downloads/agent-sdk.tgz zod@^4`, or `npx -y http://hub:4000/downloads/mcp-proxy.tgz --hub http://hub:4000 -- <server command>`.',
  auth: 'public',
  request: { params: z.object({ file: z.enum(CLIENT_DOWNLOADS) }) },
  responses: { 200: textAnswer('application/gzip', 'The tarball') },
  errors: ['not_found'],
});

export function mountClientDownloads(app: ApiApp, downloadsDir: string): void {
  routeMounter(app)(
    download,
    async (c) => {
      const { file } = c.req.valid('param');
      const body = await readFile(path.join(downloadsDir, file)).catch(() => null);
      if (!body) {
        return problem(c, 'not_found', `${file} was not packed with this hub (build the hub with pnpm build to pack it)`);
      }
      return c.body(body, 200, { 'Content-Type': 'application/gzip', 'Cache-Control': 'no-cache', 'Content-Disposition': `attachment; filename="${file}"` });
    },
    // A name the hub does not serve is not found, not invalid input.
    (c) => problem(c, 'not_found', `No download ${c.req.param('file')}; the hub serves ${CLIENT_DOWNLOADS.join(', ')}`),
  );
}

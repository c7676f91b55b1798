import { createHash } from 'node:crypto';

// biome-ignore lint/suspicious/noExplicitAny: walks generated OpenAPI/AsyncAPI documents loosely; their shape is checked by api-docs.test.ts.
type Json = Record<string, any>;

const escapeHtml = (text: unknown) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The documents' prose is Markdown (`code`, **bold**), written by us in the route and event tables: escaped first, then
 * those two marks become elements, so nothing in the text can become markup of its own.
 */
const markdown = (text: unknown) =>
  escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1c1c1c}
h1,h2,h3{line-height:1.2}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}
.op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4rem;font:bold 13px monospace;text-transform:uppercase}
.get{color:#0b6b2e}.post{color:#8a4b00}.receive{color:#0b4f8a}.send{color:#6b2e8a}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:28rem}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
.muted{color:#666}
`;

/** The page's only style, allowed by its hash: the page runs no script and loads nothing else. */
export const DOCS_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

const refName = (ref: unknown) => (typeof ref === 'string' ? ref.split('/').pop()! : '');
const schemaLink = (schema: Json | undefined, prefix: string) =>
  schema?.$ref ? `<a href="#${prefix}-${escapeHtml(refName(schema.$ref))}">${escapeHtml(refName(schema.$ref))}</a>` : `<code>${escapeHtml(JSON.stringify(schema ?? {}))}</code>`;

function restSection(openapi: Json): string {
  const out: string[] = ['<h2 id="rest">REST API</h2>', '<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>'];
  for (const [path, methods] of Object.entries(openapi.paths as Json)) {
    for (const [method, op] of Object.entries(methods as Json) as [string, Json][]) {
      const auth = (op.security as unknown[]).length === 0 ? 'no token' : `bearer token${op['x-roles'] ? `, role ${(op['x-roles'] as string[]).join(' or ')}` : ''}`;
      out.push(`<div class="op" id="op-${escapeHtml(op.operationId)}"><h3><span class="m ${escapeHtml(method)}">${escapeHtml(method)}</span> <code>${escapeHtml(path)}</code></h3>`);
      out.push(`<p>${markdown(op.summary)}${op.description ? ` ${markdown(op.description)}` : ''}</p><p class="muted">Auth: ${escapeHtml(auth)}</p>`);
      if (op.parameters) {
        out.push('<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>');
        for (const p of op.parameters as Json[]) out.push(`<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(p.schema))}</code></td></tr>`);
        out.push('</table>');
      }
      if (op.requestBody) out.push(`<p>Body${op.requestBody.required ? '' : ' (optional)'}: ${schemaLink(op.requestBody.content['application/json'].schema, 'schema')}</p>`);
      out.push('<table><tr><th>status</th><th>meaning</th><th>body</th></tr>');
      for (const [status, response] of Object.entries(op.responses as Json) as [string, Json][]) {
        const [type, media] = Object.entries(response.content ?? {})[0] ?? ['', {}];
        const body = type === 'application/json' ? schemaLink((media as Json).schema, 'schema') : `<code>${escapeHtml(type)}</code>`;
        out.push(`<tr><td>${escapeHtml(status)}</td><td>${markdown(response.description)}</td><td>${body}</td></tr>`);
      }
      out.push('</table></div>');
    }
  }
  return out.join('\n');
}

function socketSection(asyncapi: Json): string {
  const out: string[] = ['<h2 id="sockets">Socket.IO events</h2>', '<p>Machine-readable: <a href="/api/asyncapi.json">/api/asyncapi.json</a> (AsyncAPI 3.0). "receive" = the client emits and the hub receives; "send" = the hub emits.</p>'];
  for (const [id, channel] of Object.entries(asyncapi.channels as Json) as [string, Json][]) {
    out.push(`<h3>Namespace <code>${escapeHtml(channel.address)}</code></h3><p>${markdown(channel.description)}</p>`);
    for (const op of Object.values(asyncapi.operations as Json) as Json[]) {
      if (op.channel.$ref !== `#/channels/${id}`) continue;
      const message = asyncapi.components.messages[refName(op.messages[0].$ref)] as Json;
      const reply = op.reply ? asyncapi.components.messages[refName(op.reply.messages[0].$ref)] as Json : null;
      out.push(`<div class="op"><span class="m ${escapeHtml(op.action)}">${escapeHtml(op.action)}</span> <code>${escapeHtml(message.name)}</code> — ${markdown(op.summary)}`);
      out.push(`<p>Payload: ${schemaLink(message.payload, 'event')}${reply ? ` · Ack: ${schemaLink(reply.payload, 'event')}` : ''}</p></div>`);
    }
  }
  return out.join('\n');
}

function schemas(title: string, prefix: string, all: Json): string {
  const out = [`<h2 id="${prefix}s">${escapeHtml(title)}</h2>`];
  for (const [name, schema] of Object.entries(all)) out.push(`<h3 id="${prefix}-${escapeHtml(name)}"><code>${escapeHtml(name)}</code></h3><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`);
  return out.join('\n');
}

/** A readable page of both documents, rendered on the server: no script, no external resource. */
export function renderDocsPage(openapi: Json, asyncapi: Json): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(openapi.info.title)}</title><style>${STYLE}</style></head>
<body><h1>Approval Hub API <span class="muted">${escapeHtml(openapi.info.version)}</span></h1>
<p>${markdown(openapi.info.description)}</p>
<p><a href="#rest">REST API</a> · <a href="#sockets">Socket.IO events</a> · <a href="#schemas">REST schemas</a> · <a href="#events">Event schemas</a></p>
${restSection(openapi)}
${socketSection(asyncapi)}
${schemas('REST schemas', 'schema', openapi.components.schemas)}
${schemas('Event schemas', 'event', asyncapi.components.schemas)}
</body></html>`;
}

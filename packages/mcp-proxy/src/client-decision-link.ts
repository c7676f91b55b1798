import { IssuedDecisionLink } from '@approval-hub/protocol';
import { ElicitResultSchema, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import type { ClientDecisionRequest, ClientDecisions } from './client-decision.js';
import { postAboutFiledRequest } from './hub-post.js';

/**
 * Asks the hub for a signed, single-use decision link to this request for the reviewer mapped to the client. Null
 * when the hub gives none (unreachable, the token may not decide the queue, no longer pending): the caller falls back.
 * The URL is a bearer credential: it goes to the client only, never into a log line.
 */
export async function issueDecisionLink(decisions: ClientDecisions, request: Pick<ClientDecisionRequest, 'requestId' | 'signal' | 'log'>): Promise<IssuedDecisionLink | null> {
  const url = new URL(`/api/approvals/${encodeURIComponent(request.requestId)}/decision-link`, decisions.hubUrl);
  // Asked again while the request is still on its way to the hub (404).
  const res = await postAboutFiledRequest(url, { method: 'POST', headers: { authorization: `Bearer ${decisions.reviewerToken}` }, signal: request.signal }, (r) => r?.status === 404);
  const body: unknown = res ? await res.json().catch(() => null) : null;
  const link = res?.ok ? IssuedDecisionLink.safeParse(body) : null;
  if (link?.success) return link.data;
  const code = (body as { error?: { code?: string } } | null)?.error?.code;
  if (!request.signal.aborted) request.log(`request ${request.requestId}: the hub issued no decision link for the client (${res?.status ?? 'no answer'} ${code ?? ''})`);
  return null;
}

/**
 * URL-mode elicitation: asks the client to open the request's decision link, shown with its host. Accepting only
 * means the person agreed to open it; the decision is whatever they do on the hub's page (as the mapped reviewer,
 * with every rule of the decision contract), and the call keeps waiting for it or for any other reviewer. When the
 * request leaves the proxy's hands (`signal`), the client is told the elicitation is complete.
 */
export async function askClientToOpenLink(
  link: IssuedDecisionLink,
  request: ClientDecisionRequest,
  notifyComplete: (elicitationId: string) => Promise<void>,
): Promise<void> {
  const elicitationId = randomUUID();
  const params: ElicitRequest['params'] = {
    mode: 'url',
    elicitationId,
    url: link.url,
    message:
      `Approval Hub: may ${request.toolName} (${request.serverName}) run? Risk: ${request.risk}. Request ${request.requestId}. ` +
      `Open the link to see the arguments and approve or deny (single use, until ${link.expiresAt}).`,
  };
  let answer: { action: string };
  try {
    answer = ElicitResultSchema.parse(await request.elicit(params, request.signal));
  } catch {
    return; // The client could not ask (or the call ended first): reviewers decide.
  }
  if (answer.action !== 'accept') {
    request.log(`request ${request.requestId}: the client did not open the decision link (${answer.action}); left to reviewers`);
    return;
  }
  // Telling the client the link was used is a courtesy: the decision already reached the hub, so a failure changes nothing.
  const done = () => {
    notifyComplete(elicitationId).catch(() => {});
  };
  if (request.signal.aborted) done();
  else request.signal.addEventListener('abort', done, { once: true });
}

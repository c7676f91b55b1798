import type { RiskLevel } from '@approval-hub/agent-sdk';
import { ElicitResultSchema, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { createHash } from 'node:crypto';
import { askClientToOpenLink, issueDecisionLink } from './client-decision-link.js';
import { postAboutFiledRequest } from './hub-post.js';
import { canonicalJson } from './request-id.js';

/** Where a client's own decision goes: the hub, as the reviewer token mapped to that client. */
export interface ClientDecisions {
  hubUrl: string;
  /** A reviewer token for the person at this client (for example a developer approving their own agent). */
  reviewerToken: string;
}

export interface ClientDecisionRequest {
  requestId: string;
  toolName: string;
  serverName: string;
  args: Record<string, unknown>;
  risk: RiskLevel;
  signal: AbortSignal;
  /** Sends `elicitation/create` to the client whose call this is. */
  elicit: (params: ElicitRequest['params'], signal: AbortSignal) => Promise<unknown>;
  log: (message: string) => void;
}

/** The elicitation modes the client declared (an empty `elicitation` capability means form mode). */
export interface ClientElicitationModes {
  url: boolean;
  form: boolean;
  /** Sends `notifications/elicitation/complete` once a URL-mode elicitation's request left the proxy's hands. */
  notifyComplete: (elicitationId: string) => Promise<void>;
}

/**
 * Asks the person at the MCP client to decide a held call: in URL mode by opening the request's signed single-use
 * decision link on the hub, else (or when the hub issues no link) with a form.
 */
export async function askClientToDecide(decisions: ClientDecisions, request: ClientDecisionRequest, modes: ClientElicitationModes): Promise<void> {
  if (modes.url) {
    const link = await issueDecisionLink(decisions, request);
    if (link) return askClientToOpenLink(link, request, modes.notifyComplete);
  }
  if (modes.form) await askClientWithForm(decisions, request);
}

const NEEDS_CONFIRMATION: readonly RiskLevel[] = ['high', 'critical'];

/**
 * Asks the person at the MCP client to approve or deny a held call (form elicitation), and files their answer on
 * the hub as the mapped reviewer, with the digest of the arguments shown, so the decision binds exactly those. A
 * high or critical risk needs the "I have read the arguments" box. Declining, cancelling or any refusal by the hub
 * leaves the request with the queue's reviewers; the call keeps waiting for whichever decision comes first.
 */
async function askClientWithForm(decisions: ClientDecisions, request: ClientDecisionRequest): Promise<void> {
  const argsText = JSON.stringify(request.args, null, 2);
  const confirm = NEEDS_CONFIRMATION.includes(request.risk);
  const properties: Record<string, object> = {
    decision: { type: 'string', title: 'Decision', enum: ['approve', 'deny'], enumNames: ['Approve', 'Deny'] },
    reason: { type: 'string', title: 'Reason', description: 'Shown to the agent and kept in the audit log' },
  };
  if (confirm) properties.confirm = { type: 'boolean', title: 'I have read the arguments above', default: false };
  let answer: { action: string; content?: Record<string, unknown> };
  try {
    answer = ElicitResultSchema.parse(
      await request.elicit(
        {
          mode: 'form',
          message:
            `Approval Hub: may ${request.toolName} (${request.serverName}) run? Risk: ${request.risk}. ` +
            `Request ${request.requestId}. Arguments:\n${argsText.slice(0, 4000)}`,
          requestedSchema: { type: 'object', properties, required: confirm ? ['decision', 'confirm'] : ['decision'] } as never,
        },
        request.signal,
      ),
    );
  } catch {
    return; // The client could not ask (or the call ended first): reviewers decide.
  }
  if (answer.action !== 'accept' || !answer.content) return;
  const approved = answer.content.decision === 'approve';
  if (answer.content.decision !== 'approve' && answer.content.decision !== 'deny') return;
  if (approved && confirm && answer.content.confirm !== true) {
    request.log(`request ${request.requestId}: the client approved without confirming the arguments of a ${request.risk}-risk call; left to reviewers`);
    return;
  }
  const given = typeof answer.content.reason === 'string' ? answer.content.reason.trim() : '';
  const reason = `${given || (approved ? 'Approved' : 'Denied')} (decided at the MCP client)`;
  const argsDigest = createHash('sha256').update(canonicalJson(request.args)).digest('base64url');
  // The person has answered, and that answer must not be lost: it is filed again while the request is still on its
  // way to the hub (404) or the hub blips (no answer, 429, 5xx).
  const res = await postAboutFiledRequest(
    new URL(`/api/approvals/${encodeURIComponent(request.requestId)}/decision`, decisions.hubUrl),
    {
      method: 'POST',
      headers: { authorization: `Bearer ${decisions.reviewerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ approved, reason, argsDigest }),
      signal: request.signal,
    },
    (r) => !r || r.status === 404 || r.status === 429 || r.status >= 500,
  );
  if (!res?.ok) {
    const code = res ? ((await res.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code : 'unreachable';
    request.log(`request ${request.requestId}: the hub did not take the client's decision (${res?.status ?? 'no answer'} ${code ?? ''}); left to reviewers`);
  }
}

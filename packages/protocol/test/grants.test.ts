import { describe, expect, it } from 'vitest';
import { ApprovalRequestInput, ArgMatcherInput, DecisionBody, GrantListQuery, ReviewerDecision } from '../src/index.js';

describe('grant payloads', () => {
  it('a decision may carry a grant with each kind of matcher', () => {
    const grant = {
      effect: 'allow',
      ttlMs: 60_000,
      maxUses: 3,
      match: { toolName: 'read_*', agent: '*', onBehalfOf: null, args: { path: '/tmp/*', size: { lte: 100 }, mode: { any: true }, owner: { equals: { uid: 1 } }, n: 5 } },
    };
    expect(ReviewerDecision.safeParse({ requestId: 'r1', approved: true, grant }).success).toBe(true);
    expect(DecisionBody.safeParse({ approved: false, grant: {} }).success).toBe(true);
    expect(DecisionBody.safeParse({ approved: true, grant: { actions: ['tool:*'], resources: ['/home/*'] } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { match: { actions: ['tool:*'], resources: ['/home/*'] } } }).success).toBe(true);
  });

  it('refuses malformed grants and matchers', () => {
    expect(ArgMatcherInput.safeParse({ gte: 1, glob: 'x' }).success).toBe(false);
    expect(ArgMatcherInput.safeParse({}).success).toBe(false);
    expect(ArgMatcherInput.safeParse({ any: false }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { effect: 'sometimes' } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { ttlMs: 10 } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { maxUses: 0 } }).success).toBe(false);
    expect(DecisionBody.safeParse({ approved: true, grant: { match: { unknown: 1 } } }).success).toBe(false);
  });

  it('a request carries challenges and the end user; the grants query parses its status list', () => {
    const request = { requestId: 'r1', toolName: 'read', args: {}, runId: 'run', challenges: [{ actions: ['tool:local_file:read'], resources: ['/a'] }], onBehalfOf: 'ann' };
    expect(ApprovalRequestInput.safeParse(request).success).toBe(true);
    expect(ApprovalRequestInput.safeParse({ ...request, challenges: [{ actions: [], resources: [] }] }).success).toBe(false);
    expect(GrantListQuery.parse({ status: 'active,revoked' })).toMatchObject({ status: ['active', 'revoked'], limit: 50 });
    expect(GrantListQuery.safeParse({ status: 'gone' }).success).toBe(false);
  });
});

import type { Grant } from '@approval-hub/protocol';
import { describe, expect, it } from 'vitest';
import { grantInputOf, initialGrantForm } from '../src/domain/grantForm';
import { grantMatchFor } from '@approval-hub/protocol';
import { describeLifetime, describeMatch } from '../src/domain/grantText';
import { T0, iso, pending, syncedStore } from './fixtures';

describe('grants in plain words', () => {
  const record = pending({ toolName: 'write_file', args: { path: '/tmp/a.txt', size: 50 }, agent: { id: 'bot-1', name: 'Bot' }, agentName: 'Bot' });

  it('the default grant covers the same agent, tool and arguments', () => {
    const form = initialGrantForm(record);
    const { grant: input, problem } = grantInputOf(form, record);
    expect(problem).toBeNull();
    expect(input).toEqual({ ttlMs: 3_600_000 });
    expect(describeMatch('allow', grantMatchFor(record, input.match), 'default')).toBe('Allow “write_file” by agent “bot-1” in queue “default” when path is “/tmp/a.txt”, size is 50');
  });

  it('widened arguments, any agent and a use limit show in the preview and the grant sent', () => {
    const form = { ...initialGrantForm(record), anyAgent: true, maxUses: '3', args: { path: { kind: 'glob' as const, pattern: '/tmp/*' }, size: { kind: 'range' as const, gte: '', lte: '100' } } };
    const { grant: input } = grantInputOf(form, record);
    expect(input).toEqual({ match: { agent: '*', args: { path: { glob: '/tmp/*' }, size: { lte: 100 } } }, ttlMs: 3_600_000, maxUses: 3 });
    expect(describeMatch('allow', grantMatchFor(record, input.match), 'default')).toBe('Allow “write_file” by any agent in queue “default” when path matches “/tmp/*”, size ≤ 100');
  });

  it('challenges replace arguments when chosen', () => {
    const withChallenges = pending({ toolName: 'local_file', args: { path: '/home/ann/a' }, challenges: [{ actions: ['tool:local_file:read'], resources: ['/home/ann/a'] }], onBehalfOf: 'ann' });
    const form = { ...initialGrantForm(withChallenges), byChallenges: true, actions: { kind: 'pattern' as const, text: 'tool:local_file:*' }, resources: { kind: 'pattern' as const, text: '/home/ann/*' } };
    const { grant: input } = grantInputOf(form, withChallenges);
    expect(input.match).toEqual({ actions: ['tool:local_file:*'], resources: ['/home/ann/*'] });
    expect(describeMatch('allow', grantMatchFor(withChallenges, input.match), 'default')).toContain('on behalf of “ann”');
    expect(describeMatch('allow', grantMatchFor(withChallenges, input.match), 'default')).toContain('for actions tool:local_file:* on /home/ann/*');
  });

  it('an agent’s * in the defaults is previewed as exactly “*”, never as anyone', () => {
    const star = pending({ toolName: 'local_file', args: { path: '/home/ann/a' }, challenges: [{ actions: ['tool:local_file:read'], resources: ['*'] }], onBehalfOf: '*' });
    const preview = describeMatch('allow', grantMatchFor(star, { actions: ['tool:local_file:*'] }), 'default');
    expect(preview).toContain('on behalf of exactly “*”');
    expect(preview).toContain('for actions tool:local_file:* on exactly “*”');
    // Matching on challenges with the prefilled text untouched: the agent's "*" is sent as a literal.
    const input = grantInputOf({ ...initialGrantForm(star), byChallenges: true }, star).grant;
    expect(input.match).toEqual({ actions: ['tool:local_file:read'], resources: [{ equals: '*' }] });
    expect(describeMatch('allow', grantMatchFor(star, input.match), 'default')).toContain('for actions tool:local_file:read on exactly “*”');
  });

  it('a pattern of only stars reads as anything, as the hub matches it', () => {
    const match = { ...grantMatchFor(record), toolName: '**', agent: '**', onBehalfOf: '***' };
    expect(describeMatch('allow', match, 'default')).toBe('Allow any tool by any agent on behalf of anyone in queue “default” when path is “/tmp/a.txt”, size is 50');
  });

  it('uses and expiry', () => {
    const grant: Grant = {
      grantId: 'g1',
      effect: 'allow',
      queue: 'default',
      match: { agent: '*', toolName: 'x', onBehalfOf: null },
      grantedBy: { id: 'alice', name: 'Alice' },
      fromRequestId: 'r1',
      createdAt: iso(T0),
      expiresAt: iso(T0 + 30 * 60_000),
      uses: 1,
      maxUses: 5,
      status: 'active',
    };
    expect(describeLifetime(grant, T0)).toBe('used 1 of 5; 30 min left');
    expect(describeLifetime({ ...grant, status: 'revoked', revokedBy: { id: 'bob', name: 'Bob' } }, T0)).toBe('used 1 of 5; revoked by Bob');
    expect(describeLifetime(grant, T0 + 31 * 60_000)).toBe('used 1 of 5; expired');
  });

  it('grant events update the loaded list in place or add on top', () => {
    const { store } = syncedStore([]);
    const grant = { grantId: 'g1', effect: 'allow', queue: 'default', match: { agent: 'a', toolName: 't', onBehalfOf: null }, grantedBy: { id: 'alice', name: 'Alice' }, fromRequestId: 'r', createdAt: iso(T0), expiresAt: iso(T0 + 1000), uses: 0, status: 'active' } as Grant;
    store.getState().applyGrant(grant);
    expect(store.getState().grants).toBeNull();
    store.getState().setGrants([grant]);
    store.getState().applyGrant({ ...grant, uses: 1 });
    store.getState().applyGrant({ ...grant, grantId: 'g2' });
    expect(store.getState().grants?.map((g) => [g.grantId, g.uses])).toEqual([
      ['g2', 0],
      ['g1', 1],
    ]);
  });
});

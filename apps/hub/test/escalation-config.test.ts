import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';

describe('escalation config', () => {
  it('refuses an escalation into a queue the hub does not accept', () => {
    expect(() => parseConfig({ queues: [{ name: 'default' }], approval: { escalation: [{ match: {}, afterMs: 1000, toQueue: 'nowhere' }] } })).toThrow(/approval\.escalation\.0\.toQueue: toQueue "nowhere" is not one of the configured queues/);
    expect(parseConfig({ queues: [{ name: 'default' }, { name: 'ops' }], approval: { escalation: [{ afterMs: 1000, toQueue: 'ops' }] } }).approval.escalation[0]).toMatchObject({ match: {}, toQueue: 'ops' });
  });
});

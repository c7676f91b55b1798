import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

/** docs/recipes.md promises configs that work as pasted: every JSON block goes through the hub's own loader. */
const recipesFile = path.resolve(import.meta.dirname, '../../../docs/recipes.md');

/** Each ```json block with the `## ` heading it stands under. */
function recipes(): { heading: string; json: string }[] {
  const found: { heading: string; json: string }[] = [];
  let heading = '';
  for (const part of readFileSync(recipesFile, 'utf8').split(/^(?=## )/m)) {
    heading = part.match(/^## (.*)$/m)?.[1] ?? heading;
    for (const match of part.matchAll(/```json\n([\s\S]*?)```/g)) found.push({ heading, json: match[1]! });
  }
  return found;
}

const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-recipes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/recipes.md', () => {
  const all = recipes();

  it('has a config for tokens and queues, a local webhook, a local SMTP sink, Slack, PostgreSQL and three nodes', () => {
    expect(all.map((r) => r.heading)).toEqual([
      'Tokens and queues',
      'A webhook to a receiver on this machine',
      'Email to a local SMTP sink',
      'Slack',
      'PostgreSQL',
      'Three nodes behind a load balancer',
    ]);
  });

  for (const [i, { heading, json }] of all.entries()) {
    it(`"${heading}" loads through the hub's config loader as pasted`, () => {
      const file = path.join(dir, `recipe-${i}.json`);
      writeFileSync(file, json);
      const { config } = loadConfig(['--config', file], {});
      expect(config.tokens.length, heading).toBeGreaterThan(0);
      expect(config.demo.enabled, heading).toBe(false);
    });
  }

  it('each recipe sets what its heading promises', () => {
    const load = (heading: string) => {
      const recipe = all.find((r) => r.heading === heading)!;
      const file = path.join(dir, 'check.json');
      writeFileSync(file, recipe.json);
      return loadConfig(['--config', file], {}).config;
    };
    expect(load('Tokens and queues').queues.map((q) => q.name)).toEqual(['ops', 'payments']);
    const webhook = load('A webhook to a receiver on this machine').notifications!;
    expect(webhook.allowPrivateTargets).toBe(true);
    expect(webhook.channels[0]).toMatchObject({ kind: 'webhook', url: 'http://127.0.0.1:9000/approval-hub' });
    expect(load('Email to a local SMTP sink').notifications!.channels[0]).toMatchObject({ kind: 'email', smtp: { host: '127.0.0.1', port: 2525 } });
    expect(load('Slack').notifications!.channels[0]).toMatchObject({ kind: 'slack', users: [{ reviewer: 'ann' }] });
    expect(load('PostgreSQL').database.kind).toBe('postgres');
    const cluster = load('Three nodes behind a load balancer');
    expect(cluster.database.kind).toBe('postgres');
    expect(cluster.allowedOrigins).toEqual(['http://127.0.0.1:4400']);
  });
});

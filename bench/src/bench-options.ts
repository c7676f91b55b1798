import { parseArgs } from 'node:util';
import { TARGET_IDS, type TargetId } from './servers/bench-target.js';

export interface BenchOptions {
  full: boolean;
  /** Run the PostgreSQL profile: one hub on PostgreSQL and three on one database, beside the relay and SQLite. */
  postgres: boolean;
  /** Which servers to run (default: all of the profile's). */
  targets: TargetId[] | null;
  profileHub: boolean;
  /** Skip appending to docs/benchmarks.md (trial runs). */
  writeDocs: boolean;
  keepWorkDir: boolean;
  /** A candidate hub build's main.js to run instead of the workspace's. */
  hubMain: string | null;
  /** Extra `node` options for every hub process (A/B a V8 or Node flag, e.g. `--max-semi-space-size=32`). */
  hubNodeArgs: string[];
  /** A baseline build's main.js, run beside the hub as the `hub-base` target (A/B in one run). */
  hubBase: string | null;
  /** Overrides the profile's soak length (0 skips the soak). */
  soakSeconds: number | null;
  /** Only the backlog scenario: hub-normal at one rate, empty and with 100,000 pending (no report file). */
  backlogOnly: boolean;
}

export const USAGE = `pnpm bench [--full] [--postgres] [--targets ${TARGET_IDS.join(',')}] [--profile-hub] [--no-docs] [--keep]
  --full          longer steps, finer ladder, every scenario on every server (~10 min); default is the quick profile (<3 min)
  --postgres      the hub on PostgreSQL: relay, hub on SQLite, one hub on PostgreSQL, three hubs on one PostgreSQL database
                  (starts its own PostgreSQL from Debian's binaries, or uses PG_TEST_URL)
  --targets       run only these servers (ratios need the relay in the same run)
  --profile-hub   run the hub under node --cpu-prof and report its top self-time functions (slows the hub: use for diagnosis, not for figures)
  --no-docs       do not append to docs/benchmarks.md (the JSON result is still written)
  --keep          keep the servers' databases and logs
  --hub-main P    run this hub main.js instead of apps/hub/dist/main.js (A/B a candidate fix against the relay)
  --hub-base P    also run this baseline build's main.js as target hub-base, interleaved step by step with hub-normal
                  (an A/B of two builds in one run: compare their CPU per request; adds hub-base to --targets)
  --hub-node-args "A B"  extra node options for the hub processes, space-separated (A/B a V8 flag such as --max-semi-space-size=32)
  --backlog-only  only the backlog scenario: hub-normal at one rate with 0 and with 100,000 pending requests
  --soak-seconds N  length of the steady 1,000 req/s soak on hub-normal (quick 60, full 300, postgres 0; 0 skips it)`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      full: { type: 'boolean', default: false },
      postgres: { type: 'boolean', default: false },
      targets: { type: 'string' },
      'profile-hub': { type: 'boolean', default: false },
      'no-docs': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'hub-main': { type: 'string' },
      'hub-node-args': { type: 'string' },
      'hub-base': { type: 'string' },
      'soak-seconds': { type: 'string' },
      'backlog-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    // `pnpm bench -- --full` forwards a literal `--`; tolerate it.
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let targets: TargetId[] | null = null;
  if (values.targets !== undefined) {
    const asked = values.targets.split(',').map((t) => t.trim()).filter(Boolean);
    const unknown = asked.filter((t) => !TARGET_IDS.includes(t as TargetId));
    if (unknown.length > 0) throw new Error(`unknown target(s): ${unknown.join(', ')} (known: ${TARGET_IDS.join(', ')})`);
    targets = asked as TargetId[];
  }
  return {
    full: values.full,
    postgres: values.postgres,
    targets,
    profileHub: values['profile-hub'],
    writeDocs: !values['no-docs'],
    keepWorkDir: values.keep,
    hubMain: values['hub-main'] ?? null,
    hubNodeArgs: (values['hub-node-args'] ?? '').split(' ').filter(Boolean),
    hubBase: values['hub-base'] ?? null,
    soakSeconds: soakSeconds(values['soak-seconds']),
    backlogOnly: values['backlog-only'],
  };
}

function soakSeconds(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^\d{1,5}$/.test(text)) throw new Error(`--soak-seconds must be a whole number of seconds, not "${text}"`);
  return Number(text);
}

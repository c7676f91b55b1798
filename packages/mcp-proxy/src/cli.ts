#!/usr/bin/env node
import { parseCli, USAGE, UsageError, type CliCommand } from './cli-options.js';

// The only place that reads process.env: the token, and the environment the upstream inherits.
let command: CliCommand;
try {
  command = parseCli(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`approval-hub-mcp: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (command.kind === 'help') {
  process.stdout.write(USAGE);
} else {
  // Loaded only now: a usage error answers without loading the MCP and hub clients.
  const { runCommand } = await import('./run-cli.js');
  await runCommand(command, process.env);
}

#!/usr/bin/env node
import { runCli } from './run-cli.js';

// The only place that reads process.env: the token, and the environment the upstream inherits.
await runCli(process.argv.slice(2), process.env);

import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createRelay } from './create-relay.js';

/** `node relay-main.js --port N`: listens on 127.0.0.1 and prints its URL like the hub does. */
const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const server = createRelay();
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`Bench relay on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

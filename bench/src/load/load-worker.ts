import { StormClient } from './storm-client.js';
import { TrafficClient } from './traffic-client.js';
import type { CommandEnvelope, ReplyEnvelope, WorkerCommand, WorkerReply } from './worker-protocol.js';

/**
 * A load-generating process, forked by the orchestrator: it holds sockets, runs open-loop steps when told,
 * and answers each command once over IPC. Kept out of the server's process so load never shares its event loop.
 */
const workerIndex = Number(process.env.BENCH_WORKER_INDEX ?? '0');
/** One set of sockets per server, so several servers can be loaded in turn without reconnecting. */
const trafficByServer = new Map<string, TrafficClient>();
const storm = new StormClient();

function trafficFor(url: string): TrafficClient {
  let traffic = trafficByServer.get(url);
  if (!traffic) {
    traffic = new TrafficClient(workerIndex);
    trafficByServer.set(url, traffic);
  }
  return traffic;
}

async function handle(command: WorkerCommand): Promise<WorkerReply> {
  switch (command.type) {
    case 'connect': {
      const started = performance.now();
      await trafficFor(command.plan.url).connect(command.plan);
      return { type: 'connected', ms: performance.now() - started };
    }
    case 'run':
      return { type: 'step-result', result: await trafficFor(command.plan.url).runStep(command.plan) };
    case 'settle':
      return { type: 'settled', leftover: await trafficFor(command.url).settle(command.timeoutMs) };
    case 'disconnect':
      await trafficByServer.get(command.url)?.disconnect();
      trafficByServer.delete(command.url);
      return { type: 'disconnected' };
    case 'storm-prepare': {
      const started = performance.now();
      await storm.prepare(command.plan, workerIndex);
      return { type: 'storm-ready', ms: performance.now() - started };
    }
    case 'storm-watch':
      return { type: 'storm-result', times: await storm.watch(command.timeoutMs) };
    case 'exit':
      setImmediate(() => process.exit(0));
      return { type: 'disconnected' };
  }
}

process.on('message', (message: CommandEnvelope) => {
  handle(message.command).then(
    (reply) => process.send?.({ id: message.id, reply } satisfies ReplyEnvelope),
    (error: unknown) => process.send?.({ id: message.id, reply: { type: 'failed', message: (error as Error).message ?? String(error) } } satisfies ReplyEnvelope),
  );
});
process.on('disconnect', () => process.exit(0));

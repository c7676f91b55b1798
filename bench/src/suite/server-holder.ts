import type { ServerProcess } from '../servers/server-process.js';

/** Every server process currently up, so a failure anywhere can still kill them all. */
export class ServerHolder {
  readonly #running = new Set<ServerProcess>();

  add(server: ServerProcess): ServerProcess {
    this.#running.add(server);
    return server;
  }

  async stop(server: ServerProcess): Promise<void> {
    await server.stop();
    this.#running.delete(server);
  }

  forget(server: ServerProcess): void {
    this.#running.delete(server);
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.#running].map((s) => s.kill()));
    this.#running.clear();
  }
}

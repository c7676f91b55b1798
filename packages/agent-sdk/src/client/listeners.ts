import type { Logger } from './logger.js';

type Listener = (...args: never[]) => void;

/** A minimal typed event emitter; a throwing listener is logged and does not stop the others. */
export class Listeners<Events extends { [E in keyof Events]: Listener }> {
  private readonly byEvent = new Map<keyof Events, Set<Listener>>();

  constructor(private readonly logger: Logger) {}

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.byEvent.get(event);
    if (!set) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    for (const listener of this.byEvent.get(event) ?? []) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (error) {
        this.logger.error(`A "${String(event)}" listener threw`, { error });
      }
    }
  }
}

import type { ApprovalStore, InsertRequest, Transition } from '../store/store.js';
import type { NotificationsConfig } from './notifications-config.js';
import { requestedNotifications, resolvedNotifications } from './notification-routing.js';

/**
 * The same store, with the notifications each request and transition causes added to its own write, so they
 * commit (or roll back) together with what they report. A Proxy, so every other store method passes through
 * untouched, including ones added later.
 */
export function queueNotificationsWithWrites(store: ApprovalStore, notifications: () => NotificationsConfig | undefined): ApprovalStore {
  const insertRequest = (input: InsertRequest) => {
    const config = notifications();
    const { record } = input;
    const outbox = record.status === 'pending' ? requestedNotifications(config, record) : resolvedNotifications(config, record, Date.parse(record.createdAt), false);
    return store.insertRequest(outbox.length > 0 ? { ...input, outbox: [...(input.outbox ?? []), ...outbox] } : input);
  };
  const transition = (input: Transition) => {
    const outbox = resolvedNotifications(notifications(), input.record, Date.parse(input.at), true);
    return store.transition(outbox.length > 0 ? { ...input, outbox: [...(input.outbox ?? []), ...outbox] } : input);
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'insertRequest') return insertRequest;
      if (prop === 'transition') return transition;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

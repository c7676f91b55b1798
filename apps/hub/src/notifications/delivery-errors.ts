/** An attempt that can never succeed as configured (refused target, rejected credentials): the row goes `dead` at once. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

/** A webhook target that resolves to a loopback or private address while `allowPrivateTargets` is off. */
export class PrivateTargetError extends PermanentDeliveryError {
  override name = 'PrivateTargetError';
}

/** What an attempt may hand back: text later notifications need (Slack's message reference), or that nothing was due. */
export interface DeliveryResult {
  response?: string;
  /** Nothing to send any more (e.g. a Slack update for a message that was never posted). */
  skipped?: boolean;
}

import type { ReadScope } from '../../store.js';
import type { Where } from '../read.js';

/** The reader's scope as part of the query: a row outside it is never read, let alone parsed. */
export function inScope(where: Where, scope: ReadScope): Where {
  return where.oneOf('queue', scope.queues).equals('principal_id', scope.principalId);
}

/**
 * Starts an async action from a place that cannot wait for it: a React event handler or effect, a timer.
 *
 * Why fire-and-forget is right there: every action started this way (the controllers' loads, a decision being sent,
 * a health check) catches the failures it expects itself and shows them where the reviewer looks (a notice, a failed
 * page, a message beside the buttons), so the caller has nothing left to wait for. A rejection that still arrives
 * here is a bug in the console: it goes to the browser console, never silently away as an unhandled rejection.
 */
export function runInBackground(action: Promise<unknown>): void {
  action.catch((error: unknown) => console.error('A console action failed unexpectedly', error));
}

/** How long a request the proxy just filed may take to reach the hub before a call about it is given up. */
export const ARRIVAL_WAIT_MS = 30_000;

/**
 * POSTs a call about a request the proxy just filed, again (backing off from 100 ms to 2 s) while `retry` says the
 * answer may still change, for up to `ARRIVAL_WAIT_MS`: the proxy asks the client as soon as it files the request,
 * which may not have reached the hub yet. Null when the hub could not be reached.
 */
export async function postAboutFiledRequest(url: URL, init: RequestInit & { signal: AbortSignal }, retry: (res: Response | null) => boolean): Promise<Response | null> {
  const started = Date.now();
  for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2_000)) {
    const res = await fetch(url, init).catch(() => null);
    if (!retry(res) || Date.now() - started >= ARRIVAL_WAIT_MS || init.signal.aborted) return res;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      init.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
}

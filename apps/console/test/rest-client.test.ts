import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDecisionLinkClient } from '../src/decision-link/decisionLinkClient';
import { HubRequestError, createRestClient } from '../src/hub/restClient';
import { decided, pending } from './fixtures';

/** A fetch that answers from a list and records what was asked. */
function fakeFetch(answers: Array<Response | Error>) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const impl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    if (init?.signal?.aborted) throw init.signal.reason;
    const next = answers.shift()!;
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { calls, impl };
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const headersOf = (init: RequestInit | undefined) => init?.headers as Record<string, string>;

describe('the console REST client (the one fetch wrapper)', () => {
  it('sends the bearer token when there is one, none without, and JSON bodies with their content type', async () => {
    const { calls, impl } = fakeFetch([json(200, { n: 1 }), json(200, { n: 2 })]);
    let token: string | null = 'tok';
    const rest = createRestClient({ getToken: () => token, fetchImpl: impl });
    await rest.get('/api/x', { a: 'b', empty: '', none: null }, z.object({ n: z.number() }));
    expect(calls[0]!.url).toBe('/api/x?a=b');
    expect(headersOf(calls[0]!.init)).toEqual({ Accept: 'application/json', Authorization: 'Bearer tok' });
    token = null;
    await rest.post('/api/y', { say: 'hi' }, z.object({ n: z.number() }));
    expect(calls[1]!.init).toMatchObject({ method: 'POST', body: '{"say":"hi"}' });
    expect(headersOf(calls[1]!.init)).toEqual({ Accept: 'application/json', 'Content-Type': 'application/json' });
  });

  it('turns the error envelope into a HubRequestError with its code, status and details', async () => {
    const { impl } = fakeFetch([json(409, { error: { code: 'already_decided', message: 'taken', details: { why: 1 } } })]);
    const failure = await createRestClient({ getToken: () => 't', fetchImpl: impl })
      .delete('/api/grants/g1', z.object({}))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HubRequestError);
    expect(failure).toMatchObject({ code: 'already_decided', message: 'taken', status: 409, details: { why: 1 } });
  });

  it('reports what never reached the hub as network, and an answer outside the schema as bad_response', async () => {
    const { impl } = fakeFetch([new TypeError('Failed to fetch'), json(200, { unexpected: true }), new Response('<html>', { status: 502 })]);
    const rest = createRestClient({ getToken: () => 't', fetchImpl: impl });
    const schema = z.object({ n: z.number() });
    await expect(rest.get('/api/x', {}, schema)).rejects.toMatchObject({ code: 'network', status: null });
    await expect(rest.get('/api/x', {}, schema)).rejects.toMatchObject({ code: 'bad_response', status: 200 });
    await expect(rest.get('/api/x', {}, schema)).rejects.toMatchObject({ code: 'bad_response', status: 502, message: 'The hub answered 502.' });
  });

  it('rejects an aborted call with the abort itself, not as a network failure', async () => {
    const { calls, impl } = fakeFetch([]);
    const controller = new AbortController();
    controller.abort();
    const failure = await createRestClient({ getToken: () => 't', fetchImpl: impl })
      .get('/api/x', {}, z.object({}), { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(calls[0]!.init?.signal).toBe(controller.signal);
    expect(failure).not.toBeInstanceOf(HubRequestError);
    expect((failure as Error).name).toBe('AbortError');
  });
});

describe('decision link client', () => {
  it('uses no bearer token: the link is the credential', async () => {
    const record = pending();
    const { calls, impl } = fakeFetch([json(200, decided(record, 'approved'))]);
    const answer = await createDecisionLinkClient(impl).decide('link/tok', { approved: true });
    expect(answer.ok).toBe(true);
    expect(calls[0]!.url).toBe('/api/decision-links/link%2Ftok');
    expect(headersOf(calls[0]!.init).Authorization).toBeUndefined();
  });

  it('answers an error with its code and the record the hub sent along', async () => {
    const winner = decided(pending(), 'denied');
    const { impl } = fakeFetch([json(409, { error: { code: 'already_decided', message: 'Already decided', details: winner } }), new TypeError('offline')]);
    const client = createDecisionLinkClient(impl);
    expect(await client.view('t')).toEqual({ ok: false, code: 'already_decided', message: 'Already decided', record: winner });
    expect(await client.view('t')).toMatchObject({ ok: false, code: 'network', record: null });
  });
});

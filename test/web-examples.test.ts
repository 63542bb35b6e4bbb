// Runs examples/next-app-route.mjs and examples/hono-app.mjs as a user would, against the built
// package (`npm run build` first; `npm test` does it). The examples read the secret at import time.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHmac } from 'node:crypto';

const SECRET = 'whsec_example_secret';
const INCOMING = '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';
const WEB_INCOMING = '{"data":{"call_id":5,"from_number":"web","to_number":"+15551234567"},"type":"call.incoming"}';
const COMPLETE = '{"data":{"call_id":987654321,"end_reason":"caller_hangup","from_number":"+14155550199","to_number":"+15551234567"},"type":"call.complete"}';

// Imported by URL, as a user's runtime would load the file (and so TypeScript does not look for types).
const NEXT_ROUTE = new URL('../examples/next-app-route.mjs', import.meta.url).href;
const HONO_APP = new URL('../examples/hono-app.mjs', import.meta.url).href;
type Route = { POST: (request: Request) => Promise<Response> };

const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

let previous: string | undefined;
beforeAll(() => {
  previous = process.env.THUNDERPHONE_WEBHOOK_SECRET;
  process.env.THUNDERPHONE_WEBHOOK_SECRET = SECRET;
  // The examples log through the default console logger; keep test output clean.
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => {
  if (previous === undefined) delete process.env.THUNDERPHONE_WEBHOOK_SECRET;
  else process.env.THUNDERPHONE_WEBHOOK_SECRET = previous;
  vi.restoreAllMocks();
});

function post(url: string, body: string, headers: Record<string, string> = {}): Request {
  return new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('examples/next-app-route.mjs', () => {
  it('answers call.incoming with an agent configuration for the caller', async () => {
    const { POST } = (await import(NEXT_ROUTE)) as Route;
    const res = await POST(post('http://localhost/api/thunderphone', INCOMING, { 'x-thunderphone-signature': sign(INCOMING) }));
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { prompt: string; voice: string };
    expect(reply.prompt).toContain('+14155550199');
    expect(reply.voice).toBe('en-US-Ava');
  });

  it('keeps the static agent ({}) for a widget session', async () => {
    const { POST } = (await import(NEXT_ROUTE)) as Route;
    const res = await POST(post('http://localhost/api/thunderphone', WEB_INCOMING, { 'x-thunderphone-signature': sign(WEB_INCOMING) }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{}');
  });

  it('acknowledges call.complete and refuses a request signed with another secret', async () => {
    const { POST } = (await import(NEXT_ROUTE)) as Route;
    expect((await POST(post('http://localhost/api/thunderphone', COMPLETE, { 'x-thunderphone-signature': sign(COMPLETE) }))).status).toBe(200);
    const forged = await POST(post('http://localhost/api/thunderphone', COMPLETE, { 'x-thunderphone-signature': sign(COMPLETE, 'whsec_wrong') }));
    expect(forged.status).toBe(401);
  });
});

describe('examples/hono-app.mjs', () => {
  type App = { request: (path: string, init?: RequestInit) => Promise<Response> };
  const load = async () => ((await import(HONO_APP)) as { app: App }).app;

  it('serves the webhook route', async () => {
    const app = await load();
    const res = await app.request('/thunderphone/webhook', { method: 'POST', headers: { 'x-thunderphone-signature': sign(INCOMING) }, body: INCOMING });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ prompt: 'You book tables at Chez Hono. Be brief.', voice: 'en-US-Ava' });

    const unsigned = await app.request('/thunderphone/webhook', { method: 'POST', body: COMPLETE });
    expect(unsigned.status).toBe(401);
  });

  it('serves the tool route, with the exact call id and a model-readable error', async () => {
    const app = await load();
    const args = '{"date":"2025-01-02","party_size":2}';
    const headers = { 'x-thunderphone-signature': sign(args), 'x-thunderphone-call-id': '12345678901234567890' };
    const res = await app.request('/thunderphone/tools/check-availability', { method: 'POST', headers, body: args });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ date: '2025-01-02', available: ['18:30', '20:00'], call: '12345678901234567890' });

    const noDate = '{"party_size":2}';
    const bad = await app.request('/thunderphone/tools/check-availability', { method: 'POST', headers: { 'x-thunderphone-signature': sign(noDate) }, body: noDate });
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({ error: 'Please give the date as YYYY-MM-DD.' });
  });

  it('serves the ordinary JSON route untouched', async () => {
    const app = await load();
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});

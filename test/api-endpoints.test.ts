import { describe, expect, it } from 'vitest';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  ensureWebhookEndpoint,
  listWebhookEndpoints,
  updateWebhookEndpoint,
} from '../src/api/index.js';
import { FAKE_MEMBER_API_KEY, startFakeApi } from './support/fake-api.js';
import { useFakeApi } from './support/fake-api-fixture.js';

const fake = useFakeApi();
const { opts, failure } = fake;

const SECRET_SHAPE = /^whsec_[A-Za-z0-9_-]{32}$/;
const hook = { url: 'https://example.com/hook', label: 'Production', events: ['telephony.incoming', 'telephony.complete'] };

describe('webhook endpoint functions against the fake API', () => {
  it('create returns the one-time secret; list never shows it again, only secret_hint', async () => {
    const created = await createWebhookEndpoint(hook, opts());
    const stored = fake.api.state.endpoints[0];
    expect(created.secret).toMatch(SECRET_SHAPE);
    expect(created.secret).toBe(stored?.secret);
    expect(created).toMatchObject({ id: stored?.id, url: hook.url, label: 'Production', events: hook.events, status: 'active' });
    expect(created.secret_hint).toBe(`${created.secret.slice(0, 9)}…${created.secret.slice(-5)}`);

    const post = fake.api.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/v1/developer/webhook-endpoints');
    expect(post?.headers.authorization).toBe(`Bearer ${fake.api.apiKey}`);
    expect(JSON.parse(post?.body ?? '')).toEqual({ url: hook.url, label: 'Production', events: hook.events });

    const listed = await listWebhookEndpoints(opts());
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(listed[0]?.secret_hint).toBe(created.secret_hint);
  });

  it('events default to [] (every event)', async () => {
    const created = await createWebhookEndpoint({ url: hook.url, label: 'all' }, opts());
    expect(created.events).toEqual([]);
    expect(JSON.parse(fake.api.requests[0]?.body ?? '').events).toEqual([]);
  });

  it('update PATCHes only what is given and keeps the secret', async () => {
    const created = await createWebhookEndpoint(hook, opts());
    const updated = await updateWebhookEndpoint(created.id, { events: ['call.graded'] }, opts());
    expect(updated).toMatchObject({ id: created.id, label: 'Production', events: ['call.graded'] });
    const patch = fake.api.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(`/v1/developer/webhook-endpoints/${created.id}`);
    expect(JSON.parse(patch?.body ?? '')).toEqual({ events: ['call.graded'] });
    expect(fake.api.state.endpoints[0]?.secret).toBe(created.secret);
  });

  it('delete removes the endpoint; a second delete (404) counts as already deleted', async () => {
    const created = await createWebhookEndpoint(hook, opts());
    expect(await deleteWebhookEndpoint(created.id, opts())).toEqual({ deleted: true });
    expect(fake.api.state.endpoints).toHaveLength(0);
    expect(await deleteWebhookEndpoint(created.id, opts())).toEqual({ deleted: false });
    expect(fake.api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
  });

  it('validates event names before any request, with a hint for the legacy names', async () => {
    const unknown = await failure(createWebhookEndpoint({ ...hook, events: ['telephony.completed'] }, opts()));
    expect(unknown.code).toBe('invalid_events');
    expect(unknown.message).toContain('"telephony.completed"');
    expect(unknown.message).toContain('telephony.complete');
    const legacy = await failure(createWebhookEndpoint({ ...hook, events: ['call.incoming'] }, opts()));
    expect(legacy.message).toContain('telephony.incoming');
    const twice = await failure(updateWebhookEndpoint('abc', { events: ['call.graded', 'call.graded'] }, opts()));
    expect(twice.message).toContain('twice');
    expect(fake.api.requests).toHaveLength(0);
  });

  it('the fake refuses unknown events with 400 like ThunderPhone, shown as one line', async () => {
    // Sent past the client-side check, to pin the fake's own validation.
    const response = await fetch(`${fake.api.url}/v1/developer/webhook-endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.api.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...hook, events: ['nope'] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ events: ['"nope" is not a valid choice.'] });
    expect(fake.api.state.endpoints).toHaveLength(0);
  });

  it('a member key gets 403 with the admin hint', async () => {
    const error = await failure(listWebhookEndpoints(opts({ apiKey: FAKE_MEMBER_API_KEY })));
    expect(error.status).toBe(403);
    expect(error.message).toContain('admin or owner');
  });

  it('checks the URL and label before sending', async () => {
    expect((await failure(createWebhookEndpoint({ ...hook, url: 'http://example.com/hook' }, opts()))).code).toBe('invalid_url');
    expect((await failure(createWebhookEndpoint({ ...hook, label: '' }, opts()))).code).toBe('invalid_label');
    expect((await failure(createWebhookEndpoint({ ...hook, label: 'x'.repeat(121) }, opts()))).code).toBe('invalid_label');
    expect((await failure(deleteWebhookEndpoint('../webhook', opts()))).code).toBe('invalid_endpoint_id');
    expect(fake.api.requests).toHaveLength(0);
  });

  it('retries a list after a 5xx, but never re-sends a create that may have taken effect', async () => {
    fake.api.failNext(1, { kind: 'status', status: 503 });
    expect(await listWebhookEndpoints(opts())).toEqual([]);
    expect(fake.api.requests).toHaveLength(2);

    fake.api.failNext(1, { kind: 'status', status: 502 }, { method: 'POST' });
    const error = await failure(createWebhookEndpoint(hook, opts()));
    expect(error.code).toBe('server_error');
    expect(fake.api.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('retries a create when the connection was refused (it never reached ThunderPhone)', async () => {
    const closed = await startFakeApi();
    const url = closed.url;
    await closed.close();
    let retries = 0;
    const error = await failure(createWebhookEndpoint(hook, { ...opts(), baseUrl: url, retries: 2, onRetry: () => (retries += 1) }));
    expect(error.code).toBe('network_error');
    expect(error.message).toContain('ECONNREFUSED');
    expect(retries).toBe(2);
  });
});

describe('ensureWebhookEndpoint (idempotent registration)', () => {
  it('creates when no endpoint has the URL, then changes nothing on a second call', async () => {
    const first = await ensureWebhookEndpoint(hook, opts());
    expect(first.changed).toBe('created');
    expect(first.secret).toBe(fake.api.state.endpoints[0]?.secret);
    const second = await ensureWebhookEndpoint(hook, opts());
    expect(second.changed).toBe('unchanged');
    expect(second.secret).toBeUndefined();
    expect(second.endpoint.id).toBe(first.endpoint.id);
    expect(fake.api.state.endpoints).toHaveLength(1);
    expect(fake.api.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('updates label and events of the matching endpoint, keeping its id and secret', async () => {
    const first = await ensureWebhookEndpoint(hook, opts());
    const second = await ensureWebhookEndpoint({ url: 'https://EXAMPLE.com/hook', label: 'Renamed', events: ['call.graded'] }, opts());
    expect(second.changed).toBe('updated');
    expect(second.endpoint).toMatchObject({ id: first.endpoint.id, label: 'Renamed', events: ['call.graded'] });
    expect(fake.api.state.endpoints).toHaveLength(1);
    expect(fake.api.state.endpoints[0]?.secret).toBe(first.secret);
  });

  it('same events in another order are unchanged', async () => {
    await ensureWebhookEndpoint(hook, opts());
    const again = await ensureWebhookEndpoint({ ...hook, events: [...hook.events].reverse() }, opts());
    expect(again.changed).toBe('unchanged');
  });
});

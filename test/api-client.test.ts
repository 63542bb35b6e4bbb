import { describe, expect, it } from 'vitest';
import {
  ensureWebhookUrl,
  getWebhook,
  setWebhookUrl,
  validateWebhookUrl,
  ThunderPhoneApiError,
} from '../src/api/index.js';
import { startFakeApi } from './support/fake-api.js';
import { useFakeApi } from './support/fake-api-fixture.js';

const fake = useFakeApi();
const { opts, failure } = fake;

const puts = () => fake.api.requests.filter((r) => r.method === 'PUT');
const SECRET_SHAPE = /^whsec_[A-Za-z0-9_-]{32}$/;

describe('getWebhook / setWebhookUrl against the documented contract', () => {
  it('returns null when the org has no webhook (404), sending the Bearer key', async () => {
    expect(await getWebhook(opts())).toBeNull();
    expect(fake.api.requests).toHaveLength(1);
    expect(fake.api.requests[0]).toMatchObject({ method: 'GET', path: '/v1/webhook' });
    expect(fake.api.requests[0]?.headers.authorization).toBe(`Bearer ${fake.api.apiKey}`);
  });

  it('PUTs {"url"} as JSON and returns the stored row with a server-generated secret', async () => {
    const webhook = await setWebhookUrl('https://example.com/hook', opts());
    expect(webhook).toEqual(fake.api.state.webhook);
    expect(webhook.secret).toMatch(SECRET_SHAPE);
    const [put] = puts();
    expect(put?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(put?.body ?? '')).toEqual({ url: 'https://example.com/hook' });
    expect(await getWebhook(opts())).toEqual(webhook);
  });

  it('a second PUT of the same URL rotates the secret (why ensureWebhookUrl exists)', async () => {
    const first = await setWebhookUrl('https://example.com/hook', opts());
    const second = await setWebhookUrl('https://example.com/hook', opts());
    expect(second.secret).not.toBe(first.secret);
    expect(second.secret).toBe(fake.api.state.webhook?.secret);
    expect(second.created_at).toBe(first.created_at);
  });

  it('reads the key and base URL from env when no options are given', async () => {
    const env = { THUNDERPHONE_API_KEY: fake.api.apiKey, THUNDERPHONE_API_URL: fake.api.url };
    const webhook = await setWebhookUrl('https://example.com/env', { env, retryDelayMs: 1 });
    expect(webhook.url).toBe('https://example.com/env');
    expect(fake.api.requests[0]?.headers.authorization).toBe(`Bearer ${fake.api.apiKey}`);
  });

  it('tolerates a base URL given with /v1 and a trailing slash, and a key with a trailing newline', async () => {
    await getWebhook(opts({ baseUrl: `${fake.api.url}/v1/`, apiKey: `${fake.api.apiKey}\n` }));
    expect(fake.api.requests[0]?.path).toBe('/v1/webhook');
    expect(fake.api.requests[0]?.headers.authorization).toBe(`Bearer ${fake.api.apiKey}`);
  });
});

describe('ensureWebhookUrl', () => {
  it('creates when none is set (GET then PUT)', async () => {
    const result = await ensureWebhookUrl('https://example.com/hook', opts());
    expect(result.changed).toBe('created');
    expect(result.secretChanged).toBe(true);
    expect(result.webhook.secret).toBe(fake.api.state.webhook?.secret);
    expect(fake.api.requests.map((r) => r.method)).toEqual(['GET', 'PUT']);
  });

  it('same URL: no PUT, the existing secret is returned', async () => {
    const created = await setWebhookUrl('https://example.com/hook', opts());
    const result = await ensureWebhookUrl('https://example.com/hook', opts());
    expect(result).toEqual({ webhook: created, changed: 'unchanged', secretChanged: false });
    expect(puts()).toHaveLength(1);
  });

  it('treats URLs that parse to the same target as the same (host case, empty path)', async () => {
    await setWebhookUrl('https://example.com', opts());
    const result = await ensureWebhookUrl('https://EXAMPLE.com/', opts());
    expect(result.changed).toBe('unchanged');
    expect(puts()).toHaveLength(1);
  });

  it('different URL: PUTs, reports the previous URL, and the secret differs from before', async () => {
    const before = await setWebhookUrl('https://old.example.com/hook', opts());
    const result = await ensureWebhookUrl('https://new.example.com/hook', opts());
    expect(result.changed).toBe('updated');
    expect(result.secretChanged).toBe(true);
    expect(result.previousUrl).toBe('https://old.example.com/hook');
    expect(result.webhook.url).toBe('https://new.example.com/hook');
    expect(result.webhook.secret).not.toBe(before.secret);
    expect(result.webhook.secret).toBe(fake.api.state.webhook?.secret);
    expect(puts()).toHaveLength(2);
  });

  it('force re-sends the same URL and rotates the secret', async () => {
    const before = await setWebhookUrl('https://example.com/hook', opts());
    const result = await ensureWebhookUrl('https://example.com/hook', { ...opts(), force: true });
    expect(result.changed).toBe('rotated');
    expect(result.webhook.secret).not.toBe(before.secret);
    expect(puts()).toHaveLength(2);
  });
});

describe('URL validation happens before any request', () => {
  const rejected = [
    'http://example.com/hook',
    'http://localhost.example.com/hook',
    'http://127.0.0.2/hook',
    'ftp://example.com/hook',
    'example.com/hook',
    '',
    ' https://example.com/hook',
    'https://example.com/ho ok',
  ];
  it.each(rejected)('rejects %j with invalid_url and sends nothing', async (url) => {
    expect(() => validateWebhookUrl(url)).toThrow(ThunderPhoneApiError);
    const set = await failure(setWebhookUrl(url, opts()));
    const ensure = await failure(ensureWebhookUrl(url, opts()));
    expect(set.code).toBe('invalid_url');
    expect(ensure.code).toBe('invalid_url');
    expect(fake.api.requests).toHaveLength(0);
  });

  it.each([
    'https://alice:s3cr3tpw@example.com/hook',
    'https://alice@example.com/hook',
    'http://alice:s3cr3tpw@localhost:3000/hook',
    'https://example.com/hook#s3cr3tpw',
    'https://example.com/hook#',
  ])('rejects %j (credentials or a fragment) without quoting them', async (url) => {
    const error = await failure(setWebhookUrl(url, opts()));
    expect(error.code).toBe('invalid_url');
    expect(error.message).not.toContain('alice');
    expect(error.message).not.toContain('s3cr3tpw');
    expect(error.message).toMatch(url.includes('#') ? /must not have a #fragment/ : /must not hold a user name or password/);
    expect(fake.api.requests).toHaveLength(0);
  });

  it('names the rule and only the origin for an http URL', () => {
    expect(() => validateWebhookUrl('http://example.com/hook?token=abc')).toThrow(
      'webhook URL must use https (http:// is allowed only for localhost, 127.0.0.1 and [::1]); got http://example.com',
    );
  });

  const accepted = ['http://localhost:3000/x', 'http://127.0.0.1/x', 'http://[::1]:8080/x', 'https://example.com/x'];
  it.each(accepted)('accepts %j, and so does the API', async (url) => {
    expect(validateWebhookUrl(url)).toBe(url);
    const webhook = await setWebhookUrl(url, opts());
    expect(webhook.url).toBe(url);
  });
});

describe('configuration errors, before any request', () => {
  it('missing API key', async () => {
    const error = await failure(getWebhook({ baseUrl: fake.api.url, env: {} }));
    expect(error.code).toBe('missing_api_key');
    expect(error.message).toContain('THUNDERPHONE_API_KEY');
    expect(fake.api.requests).toHaveLength(0);
  });

  it('a key with inner whitespace, or a publishable key', async () => {
    const spaced = await failure(getWebhook(opts({ apiKey: 'sk_live_abc def' })));
    expect(spaced.code).toBe('invalid_api_key');
    expect(spaced.message).not.toContain('abc def');
    const publishable = await failure(getWebhook(opts({ apiKey: 'pk_live_1234567' })));
    expect(publishable.code).toBe('invalid_api_key');
    expect(publishable.message).not.toContain('pk_live_1234567');
    expect(fake.api.requests).toHaveLength(0);
  });

  it('a plain-http base URL off localhost (the key would travel in clear)', async () => {
    let calls = 0;
    const countingFetch: typeof fetch = async () => {
      calls += 1;
      return new Response('{}');
    };
    const error = await failure(getWebhook(opts({ baseUrl: 'http://api.example.com', fetch: countingFetch })));
    expect(error.code).toBe('invalid_base_url');
    expect(calls).toBe(0);
  });
});

describe('HTTP errors map to one-line errors; 4xx are never retried', () => {
  it('401 without credentials: the fake demands a key', async () => {
    const res = await fetch(`${fake.api.url}/v1/webhook`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  it('401 for a wrong key', async () => {
    const error = await failure(getWebhook(opts({ apiKey: 'sk_live_wrong0000000000' })));
    expect(error).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(error.message).toContain('API key rejected (check THUNDERPHONE_API_KEY)');
    expect(error.message).toContain('Invalid API key.');
    expect(error.message).not.toContain('sk_live_wrong0000000000');
    expect(fake.api.requests).toHaveLength(1);
  });

  it('400 shows the detail and is sent once', async () => {
    fake.api.failNext(1, { kind: 'status', status: 400, body: { detail: 'URL not allowed.', code: 'url_not_allowed' } });
    const error = await failure(setWebhookUrl('https://example.com/hook', opts()));
    expect(error).toMatchObject({ code: 'bad_request', status: 400, method: 'PUT', path: '/v1/webhook' });
    expect(error.message).toBe('ThunderPhone rejected PUT /v1/webhook (400): URL not allowed.');
    expect(fake.api.requests).toHaveLength(1);
  });

  it('400 with field errors', async () => {
    fake.api.failNext(1, { kind: 'status', status: 400, body: { url: ['Enter a valid URL.'] } });
    const error = await failure(setWebhookUrl('https://example.com/hook', opts()));
    expect(error.message).toContain('url: Enter a valid URL.');
  });

  it.each([
    [402, 'payment_required', 'insufficient balance'],
    [403, 'forbidden', 'admin or owner'],
    [404, 'not_found', 'THUNDERPHONE_API_URL'],
    [429, 'rate_limited', 'try again'],
    [418, 'client_error', '418'],
  ])('%i -> %s, one request', async (status, code, phrase) => {
    fake.api.failNext(1, { kind: 'status', status, body: { detail: 'Nope.' } });
    const error = await failure(setWebhookUrl('https://example.com/hook', opts()));
    expect(error).toMatchObject({ code, status });
    expect(error.message).toContain(phrase);
    expect(error.message).toContain('Nope.');
    expect(fake.api.requests).toHaveLength(1);
  });

  it('the fake answers 404 for other paths and 405 for other methods', async () => {
    const auth = { authorization: `Bearer ${fake.api.apiKey}` };
    expect((await fetch(`${fake.api.url}/v1/webhooks`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${fake.api.url}/v1/webhook`, { method: 'DELETE', headers: auth })).status).toBe(405);
  });

  it('blanks the API key and any whsec_ secret if a server echoes them', async () => {
    fake.api.failNext(1, { kind: 'status', status: 400, body: { detail: `key ${fake.api.apiKey} secret whsec_abcDEF123` } });
    const error = await failure(getWebhook(opts()));
    expect(error.message).toContain('key [redacted] secret whsec_[redacted]');
    expect(error.message).not.toContain('whsec_abc');
  });
});

describe('retries: 5xx, network errors and timeouts', () => {
  it('503 twice then 200 succeeds after 3 requests', async () => {
    const stored = await setWebhookUrl('https://example.com/hook', opts());
    fake.api.requests.length = 0;
    fake.api.failNext(2, { kind: 'status', status: 503 });
    expect(await getWebhook(opts())).toEqual(stored);
    expect(fake.api.requests).toHaveLength(3);
    expect(fake.api.requests.map((r) => r.injected)).toEqual(['status', 'status', undefined]);
  });

  it('gives up after 1 + retries attempts (default 3 retries)', async () => {
    fake.api.failNext(10, { kind: 'status', status: 502, body: { detail: 'Bad gateway.' } });
    const error = await failure(getWebhook(opts()));
    expect(error).toMatchObject({ code: 'server_error', status: 502, attempts: 4 });
    expect(error.message).toContain('after 4 attempts');
    expect(fake.api.requests).toHaveLength(4);
  });

  it('retries: 0 sends once', async () => {
    fake.api.failNext(10, { kind: 'status', status: 500 });
    expect((await failure(getWebhook(opts({ retries: 0 })))).code).toBe('server_error');
    expect(fake.api.requests).toHaveLength(1);
  });

  it('a timeout is retried, then succeeds', async () => {
    fake.api.failNext(1, { kind: 'hang', ms: 10_000 });
    expect(await getWebhook(opts({ timeoutMs: 150 }))).toBeNull();
    expect(fake.api.requests).toHaveLength(2);
  });

  it('repeated timeouts end in a timeout error', async () => {
    fake.api.failNext(10, { kind: 'hang', ms: 10_000 });
    const error = await failure(getWebhook(opts({ timeoutMs: 100, retries: 1 })));
    expect(error).toMatchObject({ code: 'timeout', attempts: 2 });
    expect(error.message).toContain('within 100 ms');
    expect(fake.api.requests).toHaveLength(2);
  });

  it('a dropped connection is retried, then succeeds', async () => {
    fake.api.failNext(1, { kind: 'destroy' });
    const webhook = await setWebhookUrl('https://example.com/hook', opts());
    expect(webhook.secret).toBe(fake.api.state.webhook?.secret);
    expect(fake.api.requests.map((r) => r.injected)).toEqual(['destroy', undefined]);
  });

  it('calls onRetry before each retry with the attempt about to be sent and a reason without an attempt count', async () => {
    fake.api.failNext(1, { kind: 'hang', ms: 10_000 });
    fake.api.failNext(1, { kind: 'status', status: 503 });
    const seen: unknown[] = [];
    expect(await getWebhook(opts({ timeoutMs: 150, onRetry: (info) => seen.push(info) }))).toBeNull();
    expect(fake.api.requests).toHaveLength(3);
    expect(seen).toEqual([
      {
        attempt: 2,
        maxAttempts: 4,
        method: 'GET',
        path: '/v1/webhook',
        delayMs: expect.any(Number),
        reason: 'ThunderPhone did not answer GET /v1/webhook within 150 ms',
        error: expect.objectContaining({ code: 'timeout' }),
      },
      {
        attempt: 3,
        maxAttempts: 4,
        method: 'GET',
        path: '/v1/webhook',
        delayMs: expect.any(Number),
        reason: 'ThunderPhone server error 503 on GET /v1/webhook: Service unavailable.',
        error: expect.objectContaining({ code: 'server_error', status: 503 }),
      },
    ]);
  });

  it('an onRetry that throws does not stop the retries', async () => {
    fake.api.failNext(1, { kind: 'status', status: 503 });
    const onRetry = () => {
      throw new Error('logger broke');
    };
    expect(await getWebhook(opts({ onRetry }))).toBeNull();
    expect(fake.api.requests).toHaveLength(2);
  });

  it('an unreachable server ends in network_error naming the origin', async () => {
    const closed = await startFakeApi();
    const origin = closed.url;
    await closed.close();
    const error = await failure(getWebhook(opts({ baseUrl: origin, retries: 1 })));
    expect(error).toMatchObject({ code: 'network_error', attempts: 2 });
    expect(error.message).toContain(origin);
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('response shape', () => {
  it('a 200 without a string secret is invalid_response (and the body is not quoted)', async () => {
    fake.api.failNext(1, { kind: 'status', status: 200, body: { url: 'https://example.com/hook', secret: 42 } });
    const error = await failure(getWebhook(opts()));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('"secret"');
    expect(fake.api.requests).toHaveLength(1);
  });

  it('a 200 that is not JSON is invalid_response (through an injected fetch)', async () => {
    const htmlFetch: typeof fetch = async () => new Response('<html>ok</html>', { status: 200 });
    expect((await failure(getWebhook(opts({ fetch: htmlFetch })))).code).toBe('invalid_response');
  });

  it('a redirect is not followed', async () => {
    const redirectFetch: typeof fetch = async () =>
      new Response(null, { status: 301, headers: { location: 'https://elsewhere.example.com/v1/webhook' } });
    const error = await failure(getWebhook(opts({ fetch: redirectFetch })));
    expect(error).toMatchObject({ code: 'invalid_response', status: 301 });
  });
});

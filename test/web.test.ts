import { afterEach, describe, expect, it, vi } from 'vitest';
import { Hono } from 'hono';
import fc from 'fast-check';
import { checkSignature as nodeCheckSignature, createReceiver as createNodeReceiver } from '../src/index.js';
import { checkSignature, constructEvent, createReceiver, createWebHandler, verify, type ReceiverOptions } from '../src/web/index.js';
import { createWebCryptoVerifier } from '../src/web/webcrypto-verifier.js';
import { COMPLETE, INCOMING, SECRET, hmac, recordingLogger } from './support/node-requests.js';

const URL_ = 'http://localhost/api/thunderphone';

let logger = recordingLogger();

afterEach(() => {
  expect(logger.text()).not.toContain(SECRET);
  logger = recordingLogger();
  vi.restoreAllMocks();
});

/** A Next.js App Router route module: `export const POST = createWebHandler({...})`. */
function route(options: Omit<ReceiverOptions, 'logger' | 'secret'> & { secret?: ReceiverOptions['secret'] }) {
  return { POST: createWebHandler({ secret: SECRET, logger, ...options }) };
}

function signedRequest(body: string, init: { secret?: string; headers?: Record<string, string> } = {}): Request {
  return new Request(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-thunderphone-signature': hmac(body, init.secret ?? SECRET), ...init.headers },
    body,
  });
}

async function expectError(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  const body = JSON.parse(text) as { error: string; message: string };
  expect(body.error).toBe(code);
  expect(body.message).not.toMatch(/\n|\s{2}at /);
  return body.message;
}

/** A body that arrives in pieces with no Content-Length, as a chunked upload does. */
function streamedRequest(chunks: Uint8Array[], headers: Record<string, string>): Request {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Request(URL_, { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit);
}

describe('createWebHandler as a Next.js route', () => {
  it('answers a blocking event with the exact reply JSON and its UTF-8 Content-Length', async () => {
    const config = { prompt: 'Réponds en français 😀 «bonjour»', voice: 'fr-FR-Denise', product: 'spark' as const };
    const handler = vi.fn(() => config);
    const { POST } = route({ handlers: { 'call.incoming': handler } });

    const res = await POST(signedRequest(INCOMING));
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(text).toBe(JSON.stringify(config));
    expect(res.headers.get('content-length')).toBe(String(new TextEncoder().encode(text).byteLength));
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(text.length);
    expect(handler).toHaveBeenCalledTimes(1);
    const [event, context] = handler.mock.calls[0] as unknown as [{ type: string; data: { call_id: number } }, { rawBody: Uint8Array }];
    expect(event.type).toBe('call.incoming');
    expect(event.data.call_id).toBe(987654321);
    expect(new TextDecoder().decode(context.rawBody)).toBe(INCOMING);
  });

  it('acknowledges a handled non-blocking event with 200 and an unhandled one with 202', async () => {
    const seen: string[] = [];
    const { POST } = route({ handlers: { 'call.complete': (e) => void seen.push(e.type) } });
    const handled = await POST(signedRequest(COMPLETE));
    expect(handled.status).toBe(200);
    expect(await handled.json()).toEqual({ ok: true });
    expect(seen).toEqual(['call.complete']);

    const graded = '{"data":{"call_id":42},"event_id":"evt","type":"call.graded"}';
    const unhandled = await POST(signedRequest(graded));
    expect(unhandled.status).toBe(202);
    expect(await unhandled.json()).toEqual({ ok: true, handled: false });
  });

  it('accepts the published test vectors, signed with their own secrets', async () => {
    const { default: fixture } = await import('./fixtures/signature-vectors.json', { with: { type: 'json' } });
    for (const v of fixture.vectors) {
      const { POST } = route({ secret: v.secret, handlers: { '*': () => undefined } });
      const res = await POST(new Request(URL_, { method: 'POST', headers: { 'x-thunderphone-signature': v.signature }, body: v.body }));
      expect(res.status).toBe(200);
    }
  });

  it('refuses a missing or wrong signature with 401 and never calls the handler', async () => {
    const handler = vi.fn();
    const { POST } = route({ handlers: { 'call.complete': handler } });

    const missing = await POST(new Request(URL_, { method: 'POST', body: COMPLETE }));
    expect(await expectError(missing, 401, 'missing_signature')).toMatch(/missing X-ThunderPhone-Signature/);

    const wrong = await POST(signedRequest(COMPLETE, { secret: 'whsec_other_secret' }));
    expect(await expectError(wrong, 401, 'invalid_signature')).toMatch(/does not match/);

    const tampered = await POST(
      new Request(URL_, { method: 'POST', headers: { 'x-thunderphone-signature': hmac(COMPLETE) }, body: COMPLETE.replace('54', '55') }),
    );
    await expectError(tampered, 401, 'invalid_signature');

    const upper = await POST(signedRequest(COMPLETE, { headers: { 'x-thunderphone-signature': hmac(COMPLETE).toUpperCase() } }));
    expect(await expectError(upper, 401, 'invalid_signature')).toMatch(/upper-case/);
    expect(handler).not.toHaveBeenCalled();
  });

  it('accepts any of several secrets during rotation', async () => {
    const { POST } = route({ secret: undefined, secrets: ['whsec_old_secret', SECRET], handlers: { 'call.complete': () => {} } });
    expect((await POST(signedRequest(COMPLETE))).status).toBe(200);
    expect((await POST(signedRequest(COMPLETE, { secret: 'whsec_old_secret' }))).status).toBe(200);
    const neither = await POST(signedRequest(COMPLETE, { secret: 'whsec_third_secret' }));
    expect(await expectError(neither, 401, 'invalid_signature')).toMatch(/any of the 2 configured secrets/);
  });

  it('refuses validly signed bytes that are not JSON with 400', async () => {
    const { POST } = route({ handlers: { '*': vi.fn() } });
    const body = '{"type": "call.complete", "data": ';
    await expectError(await POST(signedRequest(body)), 400, 'invalid_json');
  });

  it('refuses GET with 405 and an Allow header', async () => {
    const { POST } = route({});
    const res = await POST(new Request(URL_, { method: 'GET' }));
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('refuses a declared Content-Length over the limit with 413 before reading the body', async () => {
    const { POST } = route({ limit: 100, handlers: { '*': vi.fn() } });
    const body = `{"data":{"pad":"${'x'.repeat(200)}"},"type":"call.complete"}`;
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    const req = new Request(URL_, {
      method: 'POST',
      headers: { 'content-length': String(body.length), 'x-thunderphone-signature': hmac(body) },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const message = await expectError(await POST(req), 413, 'body_too_large');
    expect(message).toContain(`Content-Length ${body.length}`);
    expect(req.bodyUsed).toBe(false);
    // The stream was never read past the high-water-mark pull the runtime does on its own.
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('stops reading a streamed body with no Content-Length at the limit (413)', async () => {
    const { POST } = route({ limit: 1000, handlers: { '*': vi.fn() } });
    let produced = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        produced += 400;
        controller.enqueue(new Uint8Array(400).fill(0x20));
        if (produced >= 40_000) controller.close();
      },
    });
    const req = new Request(URL_, { method: 'POST', headers: { 'x-thunderphone-signature': 'a'.repeat(64) }, body: stream, duplex: 'half' } as RequestInit);
    expect(req.headers.get('content-length')).toBeNull();
    await expectError(await POST(req), 413, 'body_too_large');
    // Three 400-byte chunks pass 1000 bytes; a few more may be buffered, never the 40 kB.
    expect(produced).toBeLessThan(5000);
  });

  it('reads a streamed body in several chunks and verifies the joined bytes', async () => {
    const handler = vi.fn();
    const { POST } = route({ handlers: { 'call.complete': handler } });
    const bytes = new TextEncoder().encode(COMPLETE);
    const chunks = [bytes.slice(0, 7), bytes.slice(7, 50), bytes.slice(50)];
    const res = await POST(streamedRequest(chunks, { 'x-thunderphone-signature': hmac(COMPLETE) }));
    expect(res.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('refuses a gzip body with 415', async () => {
    const { POST } = route({ handlers: { '*': vi.fn() } });
    const res = await POST(signedRequest(COMPLETE, { headers: { 'content-encoding': 'gzip' } }));
    expect(await expectError(res, 415, 'unsupported_encoding')).toMatch(/gzip/);
  });

  it('answers 500 naming request.clone() when the body was already read', async () => {
    const handler = vi.fn();
    const { POST } = route({ handlers: { '*': handler } });
    const req = signedRequest(COMPLETE);
    await req.json();
    const message = await expectError(await POST(req), 500, 'body_already_parsed');
    expect(message).toContain('request.bodyUsed');
    expect(message).toContain('request.clone()');
    expect(handler).not.toHaveBeenCalled();

    // The fix the message gives works.
    const original = signedRequest(COMPLETE);
    const res = await POST(original.clone());
    expect(res.status).toBe(200);
    expect(await original.json()).toMatchObject({ type: 'call.complete' });
  });

  it('sends {} when a blocking handler misses the deadline, before it finishes', async () => {
    let finished = false;
    const { POST } = route({
      deadlineMs: 100,
      handlers: {
        'call.incoming': async () => {
          await new Promise((r) => setTimeout(r, 1000));
          finished = true;
          return { prompt: 'late', voice: 'v' };
        },
      },
    });
    const res = await POST(signedRequest(INCOMING));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{}');
    expect(finished).toBe(false);
    expect(logger.text()).toMatch(/missed the 100 ms deadline/);
  });

  it('answers 500 when a non-blocking handler throws, so ThunderPhone retries', async () => {
    const { POST } = route({
      handlers: {
        'call.complete': () => {
          throw new Error('database down');
        },
      },
    });
    const res = await POST(signedRequest(COMPLETE));
    const message = await expectError(res, 500, 'handler_failed');
    expect(message).not.toContain('database down');
    expect(logger.lines.some((l) => l.level === 'error' && JSON.stringify(l.meta).includes('database down'))).toBe(true);
  });

  it('answers 500 internal_error, not a crash, when the core itself throws', async () => {
    const receiver = createReceiver({ secret: SECRET, logger });
    vi.spyOn(receiver, 'handle').mockRejectedValue(new Error('boom'));
    const res = await createWebHandler(receiver)(signedRequest(COMPLETE));
    await expectError(res, 500, 'internal_error');
  });
});

describe('createWebHandler with a receiver built beforehand', () => {
  it('uses a WebCrypto receiver with .on() handlers as is', async () => {
    const receiver = createReceiver({ secret: SECRET, logger }).on('call.complete', vi.fn());
    const handler = createWebHandler(receiver);
    expect(handler.receiver).toBe(receiver);
    expect((await handler(signedRequest(COMPLETE))).status).toBe(200);
  });

  it('uses a Node receiver as is', async () => {
    const receiver = createNodeReceiver({ secret: SECRET, logger }).on('call.complete', vi.fn());
    const handler = createWebHandler(receiver);
    expect(handler.receiver).toBe(receiver);
    expect((await handler(signedRequest(COMPLETE))).status).toBe(200);
    expect((await handler(signedRequest(COMPLETE, { secret: 'whsec_other_secret' }))).status).toBe(401);
  });

  it('throws at once when no secret is configured', () => {
    expect(() => createWebHandler({ secret: '' })).toThrow(/empty string/);
    expect(() => createWebHandler({})).toThrow(/no webhook secret configured/);
  });
});

describe('WebCrypto key cache', () => {
  it('imports each secret once across many requests', async () => {
    const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey');
    const { POST } = route({ secret: undefined, secrets: ['whsec_old_secret', SECRET], handlers: { 'call.complete': () => {} } });
    const replies = await Promise.all(Array.from({ length: 20 }, () => POST(signedRequest(COMPLETE))));
    for (let i = 0; i < 5; i++) replies.push(await POST(signedRequest(COMPLETE, { secret: 'whsec_old_secret' })));
    expect(replies.map((r) => r.status)).toEqual(Array(25).fill(200));

    expect(importKey).toHaveBeenCalledTimes(2);
    const imported = importKey.mock.calls.map((call) => new TextDecoder().decode(call[1] as Uint8Array)).sort();
    expect(imported).toEqual([SECRET, 'whsec_old_secret'].sort());
  });

  it('keeps a separate cache per receiver', async () => {
    const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey');
    const a = route({ handlers: { 'call.complete': () => {} } });
    const b = route({ handlers: { 'call.complete': () => {} } });
    await a.POST(signedRequest(COMPLETE));
    await a.POST(signedRequest(COMPLETE));
    await b.POST(signedRequest(COMPLETE));
    expect(importKey).toHaveBeenCalledTimes(2);
  });

  it('bounds the cache, dropping the oldest key first', async () => {
    const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey');
    const check = createWebCryptoVerifier(2);
    const body = new TextEncoder().encode(COMPLETE);
    const verifyWith = (secret: string) => check(body, hmac(COMPLETE, secret), [secret]);
    for (const secret of ['whsec_a', 'whsec_b', 'whsec_a', 'whsec_c', 'whsec_b', 'whsec_a']) {
      expect((await verifyWith(secret)).ok).toBe(true);
    }
    // a, b imported; a cached; c evicts a; b cached; a imported again.
    expect(importKey).toHaveBeenCalledTimes(4);
  });
});

describe('createWebHandler in Hono', () => {
  function honoApp(handlers: ReceiverOptions['handlers']) {
    const handler = createWebHandler({ secret: SECRET, logger, handlers });
    const app = new Hono();
    app.post('/hook', (c) => handler(c.req.raw));
    app.get('/health', (c) => c.json({ ok: true }));
    return app;
  }

  it('answers a signed blocking event through app.request()', async () => {
    const config = { prompt: 'Be brief.', voice: 'en-US-Ava' };
    const app = honoApp({ 'call.incoming': () => config });
    const res = await app.request('/hook', { method: 'POST', headers: { 'x-thunderphone-signature': hmac(INCOMING) }, body: INCOMING });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(JSON.stringify(config));
    expect((await app.request('/health')).status).toBe(200);
  });

  it('refuses an unsigned request with 401', async () => {
    const handler = vi.fn();
    const app = honoApp({ '*': handler });
    const res = await app.request('/hook', { method: 'POST', body: COMPLETE });
    await expectError(res, 401, 'missing_signature');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 500 naming request.clone() when a Hono route read the body first', async () => {
    const handler = createWebHandler({ secret: SECRET, logger, handlers: { '*': vi.fn() } });
    const app = new Hono();
    app.post('/hook', async (c) => {
      await c.req.raw.text();
      return handler(c.req.raw);
    });
    const res = await app.request('/hook', { method: 'POST', headers: { 'x-thunderphone-signature': hmac(COMPLETE) }, body: COMPLETE });
    expect(await expectError(res, 500, 'body_already_parsed')).toContain('request.clone()');
  });
});

describe('standalone WebCrypto verification', () => {
  it('accepts the test vectors and refuses them under another secret', async () => {
    const { default: fixture } = await import('./fixtures/signature-vectors.json', { with: { type: 'json' } });
    for (const v of fixture.vectors) {
      expect(await verify(v.body, v.signature, v.secret)).toBe(true);
      expect(await verify(new TextEncoder().encode(v.body), v.signature, ['whsec_other', v.secret])).toBe(true);
      expect(await verify(v.body, v.signature, 'whsec_other')).toBe(false);
    }
  });

  it('gives the same outcome and reason as the Node checkSignature for any body and header', async () => {
    const secrets = fc.constantFrom<string[]>([SECRET], ['whsec_a', 'whsec_b'], ['whsec_a', SECRET]);
    const header = fc.oneof(
      fc.constant(undefined),
      fc.string(),
      fc.stringMatching(/^[0-9a-f]{64}$/),
      fc.stringMatching(/^[0-9A-F]{64}$/),
      fc.array(fc.stringMatching(/^[0-9a-f]{64}$/), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), header, secrets, fc.boolean(), async (body, sig, keys, signIt) => {
        const signature = signIt ? hmac(body, keys[keys.length - 1]) : sig;
        const node = nodeCheckSignature(body, signature, keys);
        const web = await checkSignature(body, signature, keys);
        expect(web.ok).toBe(node.ok);
        if (!node.ok && !web.ok) {
          expect(web.code).toBe(node.code);
          expect(web.reason).toBe(node.reason);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('constructEvent verifies, then parses with exact 64-bit ids', async () => {
    const body = '{"data":{"call_id":12345678901234567890,"from_number":"+1","to_number":"+2"},"type":"call.incoming"}';
    const event = await constructEvent(body, hmac(body), SECRET);
    expect(event.type).toBe('call.incoming');
    expect((event.data as { call_id: unknown }).call_id).toBe('12345678901234567890');
    await expect(constructEvent(body, hmac(body, 'whsec_x'), SECRET)).rejects.toMatchObject({ code: 'invalid_signature', status: 401 });
    await expect(constructEvent(body, undefined, SECRET)).rejects.toMatchObject({ code: 'missing_signature' });
    await expect(verify(body, hmac(body), '')).rejects.toThrow(/empty string/);
  });
});

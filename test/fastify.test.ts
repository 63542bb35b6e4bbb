import { afterEach, describe, expect, it, vi } from 'vitest';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { Readable } from 'node:stream';
import { createReceiver, type HandlerMap } from '../src/index.js';
import { DEFAULT_FASTIFY_PATH, thunderphonePlugin, type ThunderphoneFastifyOptions } from '../src/fastify/index.js';
import { toolHandler } from '../src/tool/index.js';
import { COMPLETE, INCOMING, SECRET, hmac, rawRequest, recordingLogger } from './support/node-requests.js';

const PATH = DEFAULT_FASTIFY_PATH;
const JSON_TYPE = 'application/json; charset=utf-8';

let logger = recordingLogger();
const apps: FastifyInstance[] = [];

afterEach(async () => {
  expect(logger.text()).not.toContain(SECRET);
  logger = recordingLogger();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** An app with ordinary JSON routes next to the webhook plugin, as a real one would have. */
async function appWith(options: Omit<ThunderphoneFastifyOptions, 'logger'> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  app.post('/orders', async (request) => ({ parsed: request.body }));
  app.post('/notes', async (request) => ({ kind: typeof request.body, text: request.body }));
  await app.register(thunderphonePlugin, options.receiver ? options : { secret: SECRET, logger, ...options });
  await app.ready();
  return app;
}

function signed(app: FastifyInstance, body: string, extra: Partial<InjectOptions> & { headers?: Record<string, string> } = {}) {
  return app.inject({
    method: 'POST',
    url: PATH,
    payload: body,
    ...extra,
    headers: { 'content-type': 'application/json', 'x-thunderphone-signature': hmac(body), ...extra.headers },
  });
}

function expectError(res: LightMyRequestResponse, status: number, code: string): string {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe(JSON_TYPE);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['error', 'message']);
  expect(body.error).toBe(code);
  expect(body.message).not.toMatch(/\n|\s{2}at /);
  expect(res.body).not.toContain(SECRET);
  return body.message as string;
}

describe('Fastify plugin: deliveries', () => {
  it('answers call.incoming with the handler reply and its UTF-8 Content-Length', async () => {
    const config = { prompt: 'Réponds en français 😀 «bonjour»', voice: 'fr-FR-Denise', product: 'spark' as const };
    const handler = vi.fn((_event: unknown) => config);
    const app = await appWith({ handlers: { 'call.incoming': handler } });

    const res = await signed(app, INCOMING);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    expect(res.body).toBe(JSON.stringify(config));
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(config), 'utf8'));
    expect(handler.mock.calls[0]?.[0]).toEqual(JSON.parse(INCOMING));
  });

  it('hands the handler the exact bytes, whatever their formatting', async () => {
    const pretty = JSON.stringify(JSON.parse(COMPLETE), null, 2).replace(/\//g, '\\/');
    let raw: Uint8Array | undefined;
    const app = await appWith({ handlers: { 'call.complete': (_e, ctx) => void (raw = ctx.rawBody) } });
    const res = await signed(app, pretty);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"ok":true}');
    expect(Buffer.from(raw!).toString('utf8')).toBe(pretty);
  });

  it('answers 202 for an event nobody handles and {} for an unhandled blocking event', async () => {
    const app = await appWith({});
    const complete = await signed(app, COMPLETE);
    expect(complete.statusCode).toBe(202);
    expect(complete.body).toBe('{"ok":true,"handled":false}');
    const incoming = await signed(app, INCOMING);
    expect(incoming.statusCode).toBe(200);
    expect(incoming.body).toBe('{}');
  });

  it('sends {} at the deadline, before a slow blocking handler finishes', async () => {
    let finished = false;
    const app = await appWith({
      deadlineMs: 100,
      handlers: {
        'call.incoming': async () => {
          await new Promise((resolve) => setTimeout(resolve, 400));
          finished = true;
          return { prompt: 'late', voice: 'x' };
        },
      },
    });
    const res = await signed(app, INCOMING);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{}');
    expect(finished).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 400));
  });

  it('answers 500 when a non-blocking handler throws, so ThunderPhone retries', async () => {
    const app = await appWith({ handlers: { 'call.complete': () => Promise.reject(new Error('db down')) } });
    const message = expectError(await signed(app, COMPLETE), 500, 'handler_failed');
    expect(message).toBe('the handler for call.complete failed; answering 500 so ThunderPhone retries');
    expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('call.complete'))).toBe(true);
  });

  it('accepts a body with no Content-Type, or one Fastify cannot parse', async () => {
    const handler = vi.fn();
    const app = await appWith({ handlers: { 'call.complete': handler } });
    const none = await app.inject({ method: 'POST', url: PATH, payload: COMPLETE, headers: { 'x-thunderphone-signature': hmac(COMPLETE) } });
    expect(none.statusCode).toBe(200);
    const malformed = await signed(app, COMPLETE, { headers: { 'content-type': 'json' } });
    expect(malformed.statusCode).toBe(200);
    const octets = await signed(app, COMPLETE, { headers: { 'content-type': 'application/octet-stream' } });
    expect(octets.statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(3);
  });
});

describe('Fastify plugin: refusals', () => {
  it('refuses a missing or wrong signature with 401 and never calls the handler', async () => {
    const handler = vi.fn();
    const app = await appWith({ handlers: { '*': handler } });
    const missing = await app.inject({ method: 'POST', url: PATH, payload: COMPLETE, headers: { 'content-type': 'application/json' } });
    expect(expectError(missing, 401, 'missing_signature')).toBe('missing X-ThunderPhone-Signature header');
    expectError(await signed(app, COMPLETE, { headers: { 'x-thunderphone-signature': hmac(COMPLETE, 'whsec_other') } }), 401, 'invalid_signature');
    // One byte changed after signing.
    const tampered = await signed(app, COMPLETE, { payload: COMPLETE.replace('54', '55') });
    expectError(tampered, 401, 'invalid_signature');
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses validly signed bytes that are not JSON with 400 from the core, not Fastify', async () => {
    const app = await appWith({ handlers: { '*': vi.fn() } });
    expect(expectError(await signed(app, '{"type":'), 400, 'invalid_json')).toBe('body is not valid JSON');
    expect(expectError(await signed(app, ''), 400, 'invalid_json')).toBe('body is not valid JSON');
  });

  it('answers every other method with the core 405 and Allow: POST', async () => {
    const app = await appWith({});
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
      const res = await app.inject({ method, url: PATH });
      expect(expectError(res, 405, 'method_not_allowed')).toBe(`${method} is not allowed; ThunderPhone delivers webhooks with POST`);
      expect(res.headers.allow).toBe('POST');
    }
    const head = await app.inject({ method: 'HEAD', url: PATH });
    expect(head.statusCode).toBe(405);
    expect(head.body).toBe('');
  });

  it('refuses a gzip body with 415 from the core', async () => {
    const app = await appWith({ handlers: { '*': vi.fn() } });
    const message = expectError(await signed(app, COMPLETE, { headers: { 'content-encoding': 'gzip' } }), 415, 'unsupported_encoding');
    expect(message).toContain('gzip');
  });

  it('refuses a declared Content-Length over the limit with the core 413 before reading', async () => {
    const handler = vi.fn();
    const app = await appWith({ limit: 64, handlers: { '*': handler } });
    const res = await signed(app, COMPLETE);
    expect(expectError(res, 413, 'body_too_large')).toBe(`Content-Length ${Buffer.byteLength(COMPLETE)} is over the 64-byte limit`);
    expect(res.headers.connection).toBe('close');
    expect(handler).not.toHaveBeenCalled();
  });

  it('maps Fastify’s own 413 for a streamed body over bodyLimit to the core error shape', async () => {
    const handler = vi.fn();
    const app = await appWith({ bodyLimit: 64, handlers: { '*': handler } });
    const res = await signed(app, COMPLETE, { payload: Readable.from([COMPLETE.slice(0, 50), COMPLETE.slice(50)]) });
    expect(res.headers['content-length']).toBeDefined();
    expect(JSON.parse(res.body)).toEqual({ error: 'body_too_large', message: 'body is over the 64-byte limit' });
    expect(res.statusCode).toBe(413);
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 413 to a chunked body over the limit on a real socket', async () => {
    const handler = vi.fn();
    const app = await appWith({ limit: 64, handlers: { '*': handler } });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const body = `{"data":{"pad":"${'x'.repeat(200)}"},"type":"call.complete"}`;
    const res = await rawRequest(base, {
      path: PATH,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-thunderphone-signature': hmac(body) },
      chunks: body.match(/.{1,20}/g) ?? [],
    });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    expect(JSON.parse(res.text)).toEqual({ error: 'body_too_large', message: 'body is over the 64-byte limit' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 413 from the headers alone on a real socket: it does not wait for the body', async () => {
    const app = await appWith({ limit: 64, handlers: { '*': vi.fn() } });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await rawRequest(base, {
      path: PATH,
      headers: { 'content-type': 'application/json', 'content-length': '5000', 'x-thunderphone-signature': hmac('x') },
      end: false,
      timeoutMs: 3000,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error).toBe('body_too_large');
  });

  it('answers 400 in the core shape when the body is shorter than its Content-Length', async () => {
    const app = await appWith({ handlers: { '*': vi.fn() } });
    const res = await signed(app, COMPLETE, { headers: { 'content-length': String(COMPLETE.length + 10) } });
    expect(expectError(res, 400, 'invalid_body')).toBe('body length does not match Content-Length');
  });

  it('answers 500 internal_error, with no stack, when the core itself throws', async () => {
    const receiver = createReceiver({ secret: SECRET, logger });
    vi.spyOn(receiver, 'handle').mockRejectedValue(new Error('boom at /secret/path'));
    const app = await appWith({ receiver });
    const res = await signed(app, COMPLETE);
    expect(expectError(res, 500, 'internal_error')).toBe('internal error while receiving the webhook');
    expect(res.body).not.toContain('boom');
  });
});

describe('Fastify plugin: the rest of the app', () => {
  it('leaves JSON and text parsing of the other routes untouched', async () => {
    const app = await appWith({ handlers: { '*': vi.fn() } });
    const json = await app.inject({ method: 'POST', url: '/orders', payload: { item: 'pizza', qty: 2 } });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual({ parsed: { item: 'pizza', qty: 2 } });
    const text = await app.inject({ method: 'POST', url: '/notes', payload: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.json()).toEqual({ kind: 'string', text: 'hello' });
    // Fastify's JSON parser still refuses bad JSON on those routes, in its own shape.
    const bad = await app.inject({ method: 'POST', url: '/orders', payload: '{"item":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('FST_ERR_CTP_INVALID_JSON_BODY');
  });

  it('keeps the app body limit for other routes', async () => {
    const app = Fastify({ bodyLimit: 100 });
    apps.push(app);
    app.post('/orders', async (request) => ({ parsed: request.body }));
    await app.register(thunderphonePlugin, { secret: SECRET, logger, limit: 4096, handlers: { '*': vi.fn() } });
    const big = JSON.stringify({ pad: 'x'.repeat(200) });
    expect((await app.inject({ method: 'POST', url: '/orders', payload: big, headers: { 'content-type': 'application/json' } })).statusCode).toBe(413);
    const body = `{"data":{"pad":"${'x'.repeat(200)}"},"type":"call.complete"}`;
    expect((await signed(app, body)).statusCode).toBe(200);
  });

  it('honours the register() prefix and serves several endpoints side by side', async () => {
    const app = Fastify();
    apps.push(app);
    const a = vi.fn();
    const b = vi.fn();
    await app.register(thunderphonePlugin, { prefix: '/hooks', path: '/a', secret: SECRET, logger, handlers: { '*': a } } as ThunderphoneFastifyOptions);
    await app.register(thunderphonePlugin, { prefix: '/hooks', path: '/b', secret: 'whsec_second', logger, handlers: { '*': b } } as ThunderphoneFastifyOptions);
    expect((await signed(app, COMPLETE, { url: '/hooks/a' })).statusCode).toBe(200);
    const wrongSecret = await signed(app, COMPLETE, { url: '/hooks/b' });
    expect(wrongSecret.statusCode).toBe(401);
    const right = await app.inject({ method: 'POST', url: '/hooks/b', payload: COMPLETE, headers: { 'x-thunderphone-signature': hmac(COMPLETE, 'whsec_second') } });
    expect(right.statusCode).toBe(200);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    expect((await app.inject({ method: 'POST', url: PATH, payload: COMPLETE })).statusCode).toBe(404);
  });
});

describe('Fastify plugin: receivers built beforehand', () => {
  it('takes a receiver with .on() handlers, as { path, receiver } or as the options themselves', async () => {
    const seen: string[] = [];
    const receiver = createReceiver({ secret: SECRET, logger }).on('call.graded', (event) => void seen.push(event.type));
    const body = '{"data":{"call_id":42},"event_id":"evt","type":"call.graded"}';

    const viaOption = await appWith({ path: '/graded', receiver });
    expect((await signed(viaOption, body, { url: '/graded' })).statusCode).toBe(200);

    const direct = Fastify();
    apps.push(direct);
    await direct.register(thunderphonePlugin, receiver);
    expect((await signed(direct, body)).statusCode).toBe(200);
    expect(seen).toEqual(['call.graded', 'call.graded']);
  });

  it('serves a tool receiver: POST with arguments and GET without a body', async () => {
    const handler = vi.fn((args: Record<string, unknown>, ctx: { callId: string | undefined; method: string }) => ({ booked: args.date ?? null, callId: ctx.callId, method: ctx.method }));
    const app = await appWith({ path: '/tools/book', receiver: toolHandler({ secret: SECRET, logger }, handler) });
    const args = '{"date":"2026-01-02","party":4}';
    const post = await signed(app, args, { url: '/tools/book', headers: { 'x-thunderphone-call-id': '12345678901234567890' } });
    expect(post.statusCode).toBe(200);
    expect(post.headers['content-type']).toBe(JSON_TYPE);
    expect(post.json()).toEqual({ booked: '2026-01-02', callId: '12345678901234567890', method: 'POST' });

    const get = await app.inject({ method: 'GET', url: '/tools/book', headers: { 'x-thunderphone-signature': hmac('') } });
    expect(get.statusCode).toBe(200);
    expect(get.json()).toEqual({ booked: null, method: 'GET' });

    const unsigned = await app.inject({ method: 'POST', url: '/tools/book', payload: args, headers: { 'content-type': 'application/json' } });
    expectError(unsigned, 401, 'missing_signature');
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('refuses contradictory options at registration', async () => {
    const receiver = createReceiver({ secret: SECRET, logger });
    const register = async (options: ThunderphoneFastifyOptions) => {
      const app = Fastify();
      apps.push(app);
      await app.register(thunderphonePlugin, options);
      await app.ready();
    };
    await expect(register({ receiver, secret: SECRET })).rejects.toThrow(/`receiver` or receiver options \(secret\)/);
    await expect(register({ receiver, bodyLimit: 10 })).rejects.toThrow(/differs from the receiver's limit/);
    await expect(register({ secret: SECRET, limit: 10, bodyLimit: 20 })).rejects.toThrow(/`limit` or `bodyLimit`/);
    await expect(register({ secret: SECRET, path: 'no-slash' })).rejects.toThrow(/path must start with "\/"/);
    await expect(register({ handlers: {} as HandlerMap })).rejects.toThrow(/secret/i);
  });
});

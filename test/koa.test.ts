import { afterEach, describe, expect, it, vi } from 'vitest';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import getRawBody from 'raw-body';
import http from 'node:http';
import request from 'supertest';
import { createReceiver } from '../src/index.js';
import { thunderphoneKoa, type ThunderphoneKoaOptions } from '../src/koa/index.js';
import { toolHandler } from '../src/tool/index.js';
import { COMPLETE, GRADED, INCOMING, SECRET, close, hmac, listen, rawRequest, recordingLogger } from './support/node-requests.js';

const PATH = '/thunderphone-webhook';
const JSON_TYPE = 'application/json; charset=utf-8';

let logger = recordingLogger();
const servers: http.Server[] = [];

afterEach(async () => {
  expect(logger.text()).not.toContain(SECRET);
  logger = recordingLogger();
  await Promise.all(servers.splice(0).map(close));
});

type Middleware = Koa.Middleware;

/** A Koa app: `before` middleware, the webhook (on PATH), then an ordinary JSON route. */
function appWith(options: Omit<ThunderphoneKoaOptions, 'logger'> = {}, before: Middleware[] = [], after: Middleware[] = []): Koa {
  const app = new Koa();
  // Koa would print errors thrown by other middleware (the koa-bodyparser case) to stderr.
  app.silent = true;
  for (const m of before) app.use(m);
  app.use(thunderphoneKoa(options.receiver ? { path: PATH, ...options } : { path: PATH, secret: SECRET, logger, ...options }));
  for (const m of after) app.use(m);
  app.use(async (ctx) => {
    ctx.body = { route: ctx.path, parsed: (ctx.request as { body?: unknown }).body ?? null };
  });
  return app;
}

function post(app: Koa, body: string, headers: Record<string, string> = {}, path = PATH) {
  return request(app.callback()).post(path).set('content-type', 'application/json').set(headers).send(body);
}

function signed(app: Koa, body: string, headers: Record<string, string> = {}) {
  return post(app, body, { 'x-thunderphone-signature': hmac(body), ...headers });
}

function expectError(res: request.Response, status: number, code: string): string {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe(JSON_TYPE);
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['error', 'message']);
  expect(body.error).toBe(code);
  expect(body.message).not.toMatch(/\n|\s{2}at /);
  expect(res.text).not.toContain(SECRET);
  return body.message as string;
}

async function started(app: Koa): Promise<string> {
  const server = http.createServer(app.callback());
  servers.push(server);
  return listen(server);
}

describe('Koa middleware without a body parser', () => {
  it('answers call.incoming with the exact reply; Koa keeps the content type and byte length', async () => {
    const config = { prompt: 'Réponds en français 😀 «bonjour»', voice: 'fr-FR-Denise', product: 'spark' as const };
    const handler = vi.fn((_event: unknown) => config);
    const res = await signed(appWith({ handlers: { 'call.incoming': handler } }), INCOMING);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    expect(res.text).toBe(JSON.stringify(config));
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(config), 'utf8'));
    expect(Number(res.headers['content-length'])).toBeGreaterThan(JSON.stringify(config).length);
    expect(handler.mock.calls[0]?.[0]).toEqual(JSON.parse(INCOMING));
  });

  it('acknowledges handled (200) and unhandled (202) non-blocking events', async () => {
    const handler = vi.fn();
    const app = appWith({ handlers: { 'call.complete': handler } });
    const handled = await signed(app, COMPLETE);
    expect(handled.status).toBe(200);
    expect(handled.text).toBe('{"ok":true}');
    expect(handled.headers['content-type']).toBe(JSON_TYPE);
    const unhandled = await signed(app, GRADED);
    expect(unhandled.status).toBe(202);
    expect(unhandled.text).toBe('{"ok":true,"handled":false}');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('refuses missing and wrong signatures with 401 and runs no handler', async () => {
    const handler = vi.fn();
    const app = appWith({ handlers: { '*': handler } });
    expect(expectError(await post(app, COMPLETE), 401, 'missing_signature')).toBe('missing X-ThunderPhone-Signature header');
    expectError(await signed(app, COMPLETE, { 'x-thunderphone-signature': hmac(COMPLETE, 'whsec_other') }), 401, 'invalid_signature');
    expectError(await post(app, COMPLETE, { 'x-thunderphone-signature': `sha256=${hmac(COMPLETE)}` }), 401, 'invalid_signature');
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses validly signed bytes that are not JSON with 400', async () => {
    expect(expectError(await signed(appWith({ handlers: { '*': vi.fn() } }), '{"type":'), 400, 'invalid_json')).toBe('body is not valid JSON');
  });

  it('answers other methods with 405 and Allow: POST, HEAD without a body', async () => {
    const app = appWith({});
    for (const method of ['get', 'put', 'patch', 'delete', 'options'] as const) {
      const res = await request(app.callback())[method](PATH);
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe('POST');
    }
    const head = await request(app.callback()).head(PATH);
    expect(head.status).toBe(405);
    expect(head.text ?? '').toBe('');
  });

  it('refuses a declared Content-Length over the limit with 413, and closes the connection', async () => {
    const handler = vi.fn();
    const res = await signed(appWith({ limit: 64, handlers: { '*': handler } }), COMPLETE);
    expect(expectError(res, 413, 'body_too_large')).toBe(`Content-Length ${Buffer.byteLength(COMPLETE)} is over the 64-byte limit`);
    expect(res.headers.connection).toBe('close');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const handler = vi.fn();
    const base = await started(appWith({ limit: 64, handlers: { '*': handler } }));
    const body = `{"data":{"pad":"${'x'.repeat(200)}"},"type":"call.complete"}`;
    const res = await rawRequest(base, {
      path: PATH,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-thunderphone-signature': hmac(body) },
      chunks: body.match(/.{1,20}/g) ?? [],
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ error: 'body_too_large', message: 'body is over the 64-byte limit' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses a gzip body with 415', async () => {
    expect(expectError(await signed(appWith({ handlers: { '*': vi.fn() } }), COMPLETE, { 'content-encoding': 'gzip' }), 415, 'unsupported_encoding')).toContain('gzip');
  });

  it('answers 500 when a non-blocking handler throws, so ThunderPhone retries', async () => {
    const res = await signed(appWith({ handlers: { 'call.complete': () => { throw new Error('db down'); } } }), COMPLETE);
    expect(expectError(res, 500, 'handler_failed')).toBe('the handler for call.complete failed; answering 500 so ThunderPhone retries');
  });

  it('sends {} at the deadline, before a slow blocking handler finishes', async () => {
    let finished = false;
    const app = appWith({
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
    expect(res.status).toBe(200);
    expect(res.text).toBe('{}');
    expect(finished).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 400));
  });

  it('answers 500 internal_error, with no stack, when the core itself throws', async () => {
    const receiver = createReceiver({ secret: SECRET, logger });
    vi.spyOn(receiver, 'handle').mockRejectedValue(new Error('boom'));
    const res = await signed(appWith({ receiver }), COMPLETE);
    expect(expectError(res, 500, 'internal_error')).toBe('internal error while receiving the webhook');
    expect(res.text).not.toContain('boom');
  });

  it('passes other paths to next(), and answers every path without the path option', async () => {
    const app = appWith({ handlers: { '*': vi.fn() } });
    const other = await request(app.callback()).get('/health');
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ route: '/health', parsed: null });
    // The query string is not part of the path.
    expect((await signed(app, COMPLETE).query({ x: 1 })).status).toBe(200);

    const everywhere = new Koa().use(thunderphoneKoa({ secret: SECRET, logger, handlers: { '*': vi.fn() } }));
    const res = await request(everywhere.callback()).post('/any/path').set('x-thunderphone-signature', hmac(COMPLETE)).set('content-type', 'application/json').send(COMPLETE);
    expect(res.status).toBe(200);
  });
});

describe('Koa middleware with koa-bodyparser', () => {
  it('mounted before the parser (with path): the webhook works and other routes still get parsed JSON', async () => {
    const handler = vi.fn();
    const app = appWith({ handlers: { 'call.complete': handler } }, [], [bodyParser()]);
    expect((await signed(app, COMPLETE)).status).toBe(200);
    const json = await request(app.callback()).post('/orders').send({ item: 'pizza' });
    expect(json.body).toEqual({ route: '/orders', parsed: { item: 'pizza' } });
    // Bad JSON reaches our middleware, so the answer is the core's.
    expectError(await signed(app, '{"type":'), 400, 'invalid_json');
  });

  it('mounted after the parser: verifies the raw body the parser kept, exact bytes included', async () => {
    let raw: Uint8Array | undefined;
    const app = appWith({ handlers: { 'call.complete': (_e, ctx) => void (raw = ctx.rawBody) } }, [bodyParser()]);
    // Pretty-printed, with escaped slashes: any re-serialisation would break the signature.
    const pretty = JSON.stringify(JSON.parse(COMPLETE), null, 2).replace(/\//g, '\\/');
    const res = await signed(app, pretty);
    expect(res.status).toBe(200);
    expect(Buffer.from(raw!).toString('utf8')).toBe(pretty);
    expectError(await signed(app, COMPLETE, { 'x-thunderphone-signature': hmac(COMPLETE, 'whsec_other') }), 401, 'invalid_signature');
    const json = await request(app.callback()).post('/orders').send({ item: 'pizza' });
    expect(json.body).toEqual({ route: '/orders', parsed: { item: 'pizza' } });
  });

  it('mounted after the parser: a type the parser skips is read from the stream', async () => {
    const app = appWith({ handlers: { '*': vi.fn() } }, [bodyParser()]);
    const res = await signed(app, COMPLETE, { 'content-type': 'application/octet-stream' });
    expect(res.status).toBe(200);
  });

  it('mounted after the parser: bad JSON is refused by koa-bodyparser before our middleware runs', async () => {
    const handler = vi.fn();
    const res = await signed(appWith({ handlers: { '*': handler } }, [bodyParser()]), '{"type":');
    // Not our JSON error shape: the parser threw first. Mounting thunderphoneKoa first avoids this.
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).not.toBe(JSON_TYPE);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('Koa middleware after another parser that keeps no raw body', () => {
  it('answers 500 body_already_parsed, saying how to fix the order, when the stream was read', async () => {
    const consume: Middleware = async (ctx, next) => {
      (ctx.request as { body?: unknown }).body = JSON.parse((await getRawBody(ctx.req)).toString('utf8'));
      await next();
    };
    const handler = vi.fn();
    const res = await signed(appWith({ handlers: { '*': handler } }, [consume]), COMPLETE);
    const message = expectError(res, 500, 'body_already_parsed');
    expect(message).toBe(
      'the request stream was already read and no raw body was kept, so the signed bytes are gone: ' +
        'mount thunderphoneKoa() before bodyParser() (give it a `path` so other routes still reach the parser), ' +
        'or use a body parser that keeps the raw body in ctx.request.rawBody',
    );
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 500 when ctx.request.body was replaced with a parsed value', async () => {
    const replace: Middleware = async (ctx, next) => {
      (ctx.request as { body?: unknown }).body = { type: 'call.complete' };
      await next();
    };
    expect(expectError(await signed(appWith({}, [replace]), COMPLETE), 500, 'body_already_parsed')).toMatch(/^ctx.request.body is already parsed/);
  });

  it('uses raw bytes kept as a Buffer in ctx.request.rawBody', async () => {
    const keep: Middleware = async (ctx, next) => {
      (ctx.request as { rawBody?: unknown }).rawBody = await getRawBody(ctx.req);
      await next();
    };
    const handler = vi.fn();
    const res = await signed(appWith({ handlers: { 'call.complete': handler } }, [keep]), COMPLETE);
    expect(res.status).toBe(200);
    expect(handler.mock.calls[0]?.[0]).toEqual(JSON.parse(COMPLETE));
  });
});

describe('Koa middleware with receivers built beforehand', () => {
  it('takes a receiver as is, or as { path, receiver }', async () => {
    const seen: string[] = [];
    const receiver = createReceiver({ secret: SECRET, logger }).on('call.graded', (e) => void seen.push(e.type));
    const direct = new Koa().use(thunderphoneKoa(receiver));
    expect((await signed(direct, GRADED)).status).toBe(200);
    expect((await signed(appWith({ receiver }), GRADED)).status).toBe(200);
    expect(seen).toEqual(['call.graded', 'call.graded']);
    expect(() => thunderphoneKoa({ receiver, secret: SECRET })).toThrow(/`receiver` or receiver options \(secret\)/);
    expect(() => thunderphoneKoa({ path: 'x', secret: SECRET })).toThrow(/path must start with "\/"/);
    expect(() => thunderphoneKoa({})).toThrow(/secret/i);
  });

  it('serves a tool receiver', async () => {
    const handler = vi.fn((args: Record<string, unknown>) => ({ booked: args.date }));
    const app = new Koa().use(thunderphoneKoa({ path: '/tools/book', receiver: toolHandler({ secret: SECRET, logger }, handler) }));
    const args = '{"date":"2026-01-02"}';
    const res = await request(app.callback()).post('/tools/book').set('content-type', 'application/json').set('x-thunderphone-signature', hmac(args)).send(args);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    expect(res.text).toBe('{"booked":"2026-01-02"}');
    const unsigned = await request(app.callback()).post('/tools/book').set('content-type', 'application/json').send(args);
    expectError(unsigned, 401, 'missing_signature');
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import express, { type Express, type RequestHandler } from 'express';
import http from 'node:http';
import request from 'supertest';
import { thunderphoneMiddleware, type MiddlewareOptions } from '../src/index.js';
import { COMPLETE, GRADED, INCOMING, SECRET, close, hmac, listen, rawRequest, recordingLogger } from './support/node-requests.js';

const PATH = '/thunderphone-webhook';

let logger = recordingLogger();
const servers: http.Server[] = [];

afterEach(async () => {
  // Nothing the adapter logs may hold the secret, whatever the test did.
  expect(logger.text()).not.toContain(SECRET);
  logger = recordingLogger();
  await Promise.all(servers.splice(0).map(close));
});

function appWith(options: Omit<MiddlewareOptions, 'logger'>, before: RequestHandler[] = []): Express {
  const app = express();
  for (const middleware of before) app.use(middleware);
  app.post(PATH, thunderphoneMiddleware({ secret: SECRET, logger, ...options }));
  return app;
}

// superagent sends a string as-is (a Buffer with a JSON content type would be re-serialised).
function post(app: Express, body: string, headers: Record<string, string> = {}) {
  return request(app).post(PATH).set('content-type', 'application/json').set(headers).send(body);
}

function signed(app: Express, body: string, secret = SECRET) {
  return post(app, body, { 'x-thunderphone-signature': hmac(body, secret) });
}

function expectError(res: { status: number; text: string; headers: Record<string, string> }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(res.text) as { error: string; message: string };
  expect(body.error).toBe(code);
  expect(body.message).not.toMatch(/\n|\s{2}at /);
  expect(res.text).not.toContain(SECRET);
  return body.message;
}

async function started(app: Express): Promise<string> {
  const server = http.createServer(app);
  servers.push(server);
  return listen(server);
}

describe('Express 5: blocking events', () => {
  it('answers call.incoming with the handler reply as JSON, Content-Length in UTF-8 bytes', async () => {
    const config = { prompt: 'Réponds en français, sois bref 😀 — «bonjour»', voice: 'fr-FR-Denise', product: 'spark' as const };
    const handler = vi.fn((_event: unknown) => config);
    const res = await signed(appWith({ handlers: { 'call.incoming': handler } }), INCOMING);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).toBe(JSON.stringify(config));
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(config), 'utf8'));
    expect(Number(res.headers['content-length'])).toBeGreaterThan(JSON.stringify(config).length);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]?.[0]).toEqual(JSON.parse(INCOMING));
  });

  it('answers {} at the deadline when the call.incoming handler is too slow', async () => {
    let handlerFinished = false;
    const app = appWith({
      deadlineMs: 150,
      handlers: {
        'call.incoming': async () => {
          await new Promise((r) => setTimeout(r, 1200));
          handlerFinished = true;
          return { prompt: 'Too late', voice: 'v' };
        },
      },
    });
    const res = await signed(app, INCOMING);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{}');
    expect(handlerFinished).toBe(false);
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('missed the 150 ms deadline'))).toBe(true);
  });

  it('answers {} (the static agent) for call.incoming without a handler', async () => {
    const res = await signed(appWith({}), INCOMING);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{}');
    expect(res.headers['content-length']).toBe('2');
  });
});

describe('Express 5: non-blocking events', () => {
  it('answers 200 when the call.complete handler resolves', async () => {
    const handler = vi.fn(async (_event: unknown) => {});
    const res = await signed(appWith({ handlers: { 'call.complete': handler } }), COMPLETE);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]?.[0]).toEqual(JSON.parse(COMPLETE));
  });

  it('answers 202 for a signed event type that has no handler', async () => {
    const res = await signed(appWith({ handlers: { 'call.complete': () => {} } }), GRADED);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, handled: false });
  });

  it('answers 500 when the call.complete handler throws, so ThunderPhone retries', async () => {
    const onError = vi.fn();
    const app = appWith({
      handlers: {
        'call.complete': () => {
          throw new Error(`database down (${SECRET.length})`);
        },
      },
      onError,
    });
    const res = await signed(app, COMPLETE);
    const message = expectError(res, 500, 'handler_failed');
    expect(message).toContain('call.complete');
    expect(res.text).not.toContain('database down');
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[1]).toEqual({ type: 'call.complete', eventId: 'evt_1', phase: 'handler' });
  });
});

describe('Express 5: refused deliveries', () => {
  it('answers 401 to a missing signature and runs no handler', async () => {
    const handler = vi.fn();
    const res = await post(appWith({ handlers: { 'call.incoming': handler } }), INCOMING);
    expect(expectError(res, 401, 'missing_signature')).toBe('missing X-ThunderPhone-Signature header');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 401 to a signature made with another secret and runs no handler', async () => {
    const handler = vi.fn();
    const res = await signed(appWith({ handlers: { 'call.incoming': handler } }), INCOMING, 'whsec_someone_else');
    expectError(res, 401, 'invalid_signature');
    expect(handler).not.toHaveBeenCalled();
  });

  it.each([
    ['empty', ''],
    ['short', 'abcd'],
    ['63 hex', hmac(INCOMING).slice(1)],
    ['sha256= prefix', `sha256=${hmac(INCOMING)}`],
    ['upper-case hex', hmac(INCOMING).toUpperCase()],
  ])('answers 401 to a malformed signature (%s) without crashing', async (_name, signature) => {
    const handler = vi.fn();
    const app = appWith({ handlers: { 'call.incoming': handler } });
    const res = await post(app, INCOMING, { 'x-thunderphone-signature': signature });
    expect(res.status).toBe(401);
    expect(handler).not.toHaveBeenCalled();
    expect((await signed(app, INCOMING)).status).toBe(200);
  });

  it('answers 401 when the body was changed after signing (re-serialised JSON)', async () => {
    const reformatted = JSON.stringify(JSON.parse(INCOMING), null, 2);
    const res = await post(appWith({}), reformatted, { 'x-thunderphone-signature': hmac(INCOMING) });
    expectError(res, 401, 'invalid_signature');
  });

  it('answers 400 to signed bytes that are not JSON', async () => {
    const handler = vi.fn();
    const res = await signed(appWith({ handlers: { '*': handler } }), '{"type":"call.incoming",');
    expect(expectError(res, 400, 'invalid_json')).toBe('body is not valid JSON');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 400 to signed JSON without a type', async () => {
    const handler = vi.fn();
    const res = await signed(appWith({ handlers: { '*': handler } }), '{"data":{"call_id":1}}');
    expect(expectError(res, 400, 'invalid_envelope')).toBe('event has no "type" string');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 405 with Allow: POST to GET when mounted for every method', async () => {
    const app = express();
    app.all(PATH, thunderphoneMiddleware({ secret: SECRET, logger }));
    const res = await request(app).get(PATH);
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('POST');
  });

  it('answers 413 to a declared Content-Length over the limit, without running the handler', async () => {
    const handler = vi.fn();
    const app = appWith({ limit: 64, handlers: { '*': handler } });
    const res = await signed(app, COMPLETE);
    expect(COMPLETE.length).toBeGreaterThan(64);
    expect(expectError(res, 413, 'body_too_large')).toBe(`Content-Length ${Buffer.byteLength(COMPLETE)} is over the 64-byte limit`);
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 413 from the headers alone: it does not wait for a declared body over the limit', async () => {
    const handler = vi.fn();
    const base = await started(appWith({ limit: 64, handlers: { '*': handler } }));
    // Only the headers are sent; a server that tried to read the body first would time out.
    const res = await rawRequest(base, {
      path: PATH,
      headers: { 'content-type': 'application/json', 'content-length': '5000', 'x-thunderphone-signature': hmac('x') },
      end: false,
      timeoutMs: 3000,
    });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 413 to a chunked body that grows over the limit, without running the handler', async () => {
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

  it('accepts a chunked body under the limit', async () => {
    const base = await started(appWith({ handlers: { 'call.incoming': () => ({ prompt: 'Hi', voice: 'en-US-James1' }) } }));
    const res = await rawRequest(base, {
      path: PATH,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-thunderphone-signature': hmac(INCOMING) },
      chunks: INCOMING.match(/.{1,7}/g) ?? [],
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"prompt":"Hi","voice":"en-US-James1"}');
  });

  it('answers 415 to a gzip body and says why', async () => {
    const handler = vi.fn();
    const res = await signed(appWith({ handlers: { '*': handler } }), INCOMING).set('content-encoding', 'gzip');
    const message = expectError(res, 415, 'unsupported_encoding');
    expect(message).toContain('"gzip"');
    expect(message).toContain('uncompressed');
    expect(handler).not.toHaveBeenCalled();
  });

  it('accepts Content-Encoding: identity', async () => {
    const res = await signed(appWith({}), INCOMING).set('content-encoding', 'identity');
    expect(res.status).toBe(200);
  });
});

describe('Express 5: body parsers mounted before the middleware', () => {
  it('answers 500 at once, naming express.json() and the fix, when express.json() ran first', async () => {
    const handler = vi.fn();
    const app = appWith({ handlers: { '*': handler } }, [express.json()]);
    const startedAt = performance.now();
    const res = await signed(app, INCOMING);
    // Generous bound: the point is that it does not wait for a body that will never come.
    expect(performance.now() - startedAt).toBeLessThan(1000);
    const message = expectError(res, 500, 'body_already_parsed');
    expect(message).toContain('express.json()');
    expect(message).toMatch(/before express\.json\(\)/);
    expect(message).toContain("express.raw({ type: '*/*' })");
    expect(message).toContain('req.rawBody');
    expect(handler).not.toHaveBeenCalled();
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([`refused delivery: ${message}`]);
  });

  it('answers 500 (not 401) when express.text() turned the body into a string', async () => {
    const res = await signed(appWith({}, [express.text({ type: '*/*' })]), INCOMING);
    expect(expectError(res, 500, 'body_already_parsed')).toContain('req.body is already a string');
  });

  it('answers 500 at once when another middleware drained the stream without keeping it', async () => {
    const drain: RequestHandler = (req, _res, next) => {
      req.on('data', () => {});
      req.on('end', () => next());
    };
    const res = await signed(appWith({}, [drain]), INCOMING);
    expect(expectError(res, 500, 'body_already_parsed')).toContain('the request stream was already read');
  });

  it('answers 500 with the fix when an earlier middleware set an encoding on the stream', async () => {
    const touch: RequestHandler = (req, _res, next) => {
      req.setEncoding('utf8');
      next();
    };
    const res = await signed(appWith({}, [touch]), INCOMING);
    expect(expectError(res, 500, 'body_already_parsed')).toContain('mount the ThunderPhone middleware before');
  });

  it('treats a request aborted before it reached the middleware as gone, not as a mounting mistake', async () => {
    const middleware = thunderphoneMiddleware({ secret: SECRET, logger });
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const app = express();
    app.post(
      PATH,
      (req, _res, next) => req.once('close', () => next()), // e.g. a slow auth check
      (req, res, next) => void middleware(req, res, next).then(finished),
    );
    const url = new URL(await started(app));
    const client = http.request({ host: url.hostname, port: url.port, path: PATH, method: 'POST', agent: false, headers: { 'content-length': '500' } });
    client.on('error', () => {});
    client.write('{"data":');
    await new Promise((r) => setTimeout(r, 50));
    client.destroy();
    await done;
    expect(logger.lines.filter((l) => l.level !== 'debug')).toEqual([]);
    expect(logger.lines.map((l) => l.message)).toContain('client aborted the request before the body was complete');
  });

  it('verifies the Buffer left by express.raw({ type: "*/*" })', async () => {
    const handler = vi.fn(() => ({ prompt: 'Raw works', voice: 'en-US-James1' }));
    const res = await signed(appWith({ handlers: { 'call.incoming': handler } }, [express.raw({ type: '*/*' })]), INCOMING);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"prompt":"Raw works","voice":"en-US-James1"}');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('still refuses a bad signature when express.raw() held the body', async () => {
    const res = await signed(appWith({}, [express.raw({ type: '*/*' })]), INCOMING, 'whsec_wrong');
    expectError(res, 401, 'invalid_signature');
  });

  it('applies the limit to a body express.raw() already held', async () => {
    const handler = vi.fn();
    const res = await signed(appWith({ limit: 64, handlers: { '*': handler } }, [express.raw({ type: '*/*' })]), COMPLETE);
    expectError(res, 413, 'body_too_large');
    expect(handler).not.toHaveBeenCalled();
  });

  it('verifies req.rawBody kept by express.json({ verify })', async () => {
    const keepRaw = express.json({
      verify: (req, _res, buf) => {
        (req as { rawBody?: Buffer }).rawBody = buf;
      },
    });
    const handler = vi.fn((_event: unknown) => {});
    const res = await signed(appWith({ handlers: { 'call.complete': handler } }, [keepRaw]), COMPLETE);
    expect(res.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]?.[0]).toEqual(JSON.parse(COMPLETE));
  });

  it('verifies req.rawBody kept as a string by a custom middleware', async () => {
    const keepText: RequestHandler = (req, _res, next) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        (req as { rawBody?: string }).rawBody = text;
        next();
      });
    };
    const body = '{"data":{"call_id":5,"from_number":"+14155550199","note":"Café ☕","to_number":"+15551234567"},"type":"call.incoming"}';
    const res = await signed(appWith({ handlers: { 'call.incoming': (e) => ({ prompt: String(e.data.note), voice: 'v' }) } }, [keepText]), body);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ prompt: 'Café ☕', voice: 'v' });
  });

  it('reads the stream itself when express.json() skipped a non-JSON content type', async () => {
    const res = await signed(appWith({}, [express.json()]), INCOMING).set('content-type', 'text/plain');
    expect(res.status).toBe(200);
    expect(res.text).toBe('{}');
  });
});

describe('Express 5: mounting and configuration', () => {
  it('with the path option and app.use, answers its path and passes other paths to next()', async () => {
    const app = express();
    app.use(thunderphoneMiddleware({ secret: SECRET, logger, path: '/hook' }));
    app.get('/health', (_req, res) => {
      res.send('ok');
    });
    app.use(express.json());
    app.post('/api/notes', (req, res) => {
      res.json({ got: req.body });
    });

    expect((await request(app).get('/health')).text).toBe('ok');
    const notes = await request(app).post('/api/notes').send({ a: 1 });
    expect(notes.body).toEqual({ got: { a: 1 } });
    const hook = await request(app).post('/hook?attempt=2').set('content-type', 'application/json').set('x-thunderphone-signature', hmac(INCOMING)).send(INCOMING);
    expect(hook.status).toBe(200);
    expect(hook.text).toBe('{}');
    expect((await request(app).get('/hook')).status).toBe(405);
    expect((await request(app).post('/elsewhere').send('x')).status).toBe(404);
  });

  it('compares the path option with the full path, even under a mount point', async () => {
    const app = express();
    app.use('/api', thunderphoneMiddleware({ secret: SECRET, logger, path: '/api/hook' }));
    const hook = await request(app).post('/api/hook').set('content-type', 'application/json').set('x-thunderphone-signature', hmac(INCOMING)).send(INCOMING);
    expect(hook.status).toBe(200);
    expect((await request(app).post('/api/other').send('x')).status).toBe(404);
  });

  it('accepts every secret during rotation and refuses others', async () => {
    const app = appWith({ secrets: ['whsec_old_secret', 'whsec_new_secret'], secret: undefined });
    expect((await signed(app, INCOMING, 'whsec_old_secret')).status).toBe(200);
    expect((await signed(app, INCOMING, 'whsec_new_secret')).status).toBe(200);
    expect((await signed(app, INCOMING, 'whsec_third_secret')).status).toBe(401);
    expect(logger.text()).not.toMatch(/whsec_(old|new)_secret/);
  });

  it.each(['X-ThunderPhone-Signature', 'X-THUNDERPHONE-SIGNATURE', 'x-thunderphone-signature'])(
    'reads the signature header spelled %s',
    async (name) => {
      const base = await started(appWith({}));
      const res = await rawRequest(base, {
        path: PATH,
        headers: { 'Content-Type': 'application/json', [name]: hmac(INCOMING) },
        chunks: [INCOMING],
      });
      expect(res.status).toBe(200);
    },
  );

  it('takes a receiver built elsewhere', async () => {
    const { createReceiver } = await import('../src/index.js');
    const receiver = createReceiver({ secret: SECRET, logger }).on('call.incoming', () => ({ prompt: 'From receiver', voice: 'v' }));
    const app = express();
    const middleware = thunderphoneMiddleware(receiver);
    expect(middleware.receiver).toBe(receiver);
    app.post(PATH, middleware);
    const res = await signed(app, INCOMING);
    expect(res.text).toBe('{"prompt":"From receiver","voice":"v"}');
  });

  it('does not log or answer the secret on any refusal', async () => {
    const app = appWith({ handlers: { 'call.complete': () => Promise.reject(new Error('boom')) } });
    const replies = await Promise.all([
      post(app, INCOMING),
      signed(app, INCOMING, 'whsec_wrong'),
      signed(app, '{"nope"'),
      signed(app, COMPLETE),
      signed(app, INCOMING).set('content-encoding', 'br'),
    ]);
    expect(replies.map((r) => r.status)).toEqual([401, 401, 400, 500, 415]);
    for (const reply of replies) expect(reply.text).not.toContain(SECRET);
    expect(logger.text()).not.toContain(SECRET);
  });
});

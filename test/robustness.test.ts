import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReceiver } from '../src/core/create-receiver.js';
import { WebhookError, isWebhookError } from '../src/core/errors.js';
import type { Logger } from '../src/core/logger.js';
import type { RawRequest, ReceiverOptions } from '../src/core/receiver.js';
import { withDeadline } from '../src/core/deadline.js';
import { toolHandler } from '../src/tool/index.js';

// Failures in user-supplied hooks (onError, the logger) and odd handler values must never crash
// the process or turn a reply into something else.
const SECRET = 'whsec_robustness_tests';
const incoming = '{"data":{"call_id":1,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';
const complete = '{"data":{"call_id":1,"from_number":"+1","to_number":"+2"},"type":"call.complete"}';

function request(body: string): RawRequest {
  const bytes = new TextEncoder().encode(body);
  return { method: 'POST', headers: { 'x-thunderphone-signature': createHmac('sha256', SECRET).update(bytes).digest('hex') }, body: bytes };
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  expect(unhandled).toEqual([]);
  unhandled.length = 0;
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('user hooks that fail', () => {
  it('an async onError that rejects is caught and logged, not left unhandled', async () => {
    const errors: string[] = [];
    const receiver = createReceiver({
      secret: SECRET,
      logger: { ...quiet, error: (m) => errors.push(m) },
      onError: async () => {
        throw new Error('tracker down');
      },
      handlers: { 'call.complete': () => { throw new Error('db'); } },
    });
    expect((await receiver.handle(request(complete))).status).toBe(500);
    await settle();
    expect(errors.some((m) => m.includes('onError hook threw'))).toBe(true);
  });

  it('the same for the tool receiver', async () => {
    const tool = toolHandler({ secret: SECRET, logger: quiet, onError: async () => Promise.reject(new Error('x')) }, () => {
      throw new Error('tool failed');
    });
    expect((await tool.handle(request('{}'))).status).toBe(200);
    await settle();
  });

  it('a logger missing debug, or whose methods throw, cannot break the late path or a refusal', async () => {
    const partial = { warn() {}, error() {} } as unknown as Logger;
    const receiver = createReceiver({
      secret: SECRET,
      logger: partial,
      deadlineMs: 20,
      handlers: { 'call.incoming': () => new Promise((resolve) => setTimeout(() => resolve({ prompt: 'p', voice: 'v' }), 50)) },
    });
    expect((await receiver.handle(request(incoming))).body).toBe('{}');
    await new Promise((resolve) => setTimeout(resolve, 80));

    const throwing: Logger = { debug: () => { throw new Error('log'); }, info: () => { throw new Error('log'); }, warn: () => { throw new Error('log'); }, error: () => { throw new Error('log'); } };
    const strict = createReceiver({ secret: SECRET, logger: throwing, onError: () => { throw new Error('hook'); }, deadlineMs: 20, handlers: { 'call.incoming': () => new Promise((_r, reject) => setTimeout(() => reject(new Error('late')), 50)) } });
    expect((await strict.handle(request(incoming))).body).toBe('{}');
    const unsigned = { ...request(complete), headers: {} };
    expect((await strict.handle(unsigned)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 80));
  });

  it('a thrown value that cannot be printed is still reported as the handler failing', async () => {
    const errors: string[] = [];
    const receiver = createReceiver({ secret: SECRET, logger: { ...quiet, error: (m) => errors.push(m) }, handlers: { 'call.complete': () => { throw Object.create(null); } } });
    expect((await receiver.handle(request(complete))).status).toBe(500);
    expect(errors).toEqual(['handler for call.complete failed']);
  });
});

describe('blocking replies that misbehave', () => {
  const reply = async (value: unknown) => {
    const warnings: string[] = [];
    const receiver = createReceiver({ secret: SECRET, logger: { ...quiet, warn: (m) => warnings.push(m) }, handlers: { 'call.incoming': () => value as never } });
    const res = await receiver.handle(request(incoming));
    return { res, warnings };
  };

  it('a getter that throws gives {} and a warning, not a 500', async () => {
    const { res, warnings } = await reply({ prompt: 'p', get voice(): string { throw new Error('boom'); } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{}');
    expect(warnings.length).toBe(1);
  });

  it('a Proxy whose ownKeys throws gives {}', async () => {
    const proxy = new Proxy({}, { ownKeys() { throw new Error('no keys'); } });
    expect((await reply(proxy)).res.body).toBe('{}');
  });

  it('validates what is serialised: a toJSON that swaps in other keys is caught', async () => {
    const { res, warnings } = await reply({
      prompt: 'p',
      voice: 'v',
      tools: [{ type: 'function', function: { name: 'n', description: 'd', parameters: {} }, endpoint: { url: 'https://x.test' }, toJSON: () => ({ evil: true }) }],
    });
    expect(res.body).toBe('{}');
    expect(warnings[0]).toMatch(/tools\[0\]/);
  });

  it('a handler that blocks the event loop past the deadline still gets {}', async () => {
    const receiver = createReceiver({
      secret: SECRET,
      logger: quiet,
      deadlineMs: 50,
      handlers: {
        'call.incoming': () => {
          const until = Date.now() + 150;
          while (Date.now() < until) {
            // busy: the deadline timer cannot fire while this runs
          }
          return { prompt: 'p', voice: 'v' };
        },
      },
    });
    expect((await receiver.handle(request(incoming))).body).toBe('{}');
  });

  it('withDeadline reports a value that arrived after the deadline as a timeout', async () => {
    const outcome = await withDeadline(20, () => {
      const until = Date.now() + 60;
      while (Date.now() < until);
      return 1;
    });
    expect(outcome.kind).toBe('timeout');
  });
});

describe('handler names', () => {
  it('warns when a handler is registered for a type ThunderPhone is not known to send', () => {
    const warnings: string[] = [];
    const options: ReceiverOptions = { secret: SECRET, logger: { ...quiet, warn: (m) => warnings.push(m) }, handlers: { 'call.completed': () => {} } };
    createReceiver(options).on('call.gradde', () => {});
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/"call\.completed".*call\.complete/);
    expect(warnings[1]).toMatch(/"call\.gradde".*call\.graded/);
  });

  it('does not warn for known types', () => {
    const warnings: string[] = [];
    createReceiver({ secret: SECRET, logger: { ...quiet, warn: (m) => warnings.push(m) }, handlers: { 'call.complete': () => {}, '*': () => {} } });
    expect(warnings).toEqual([]);
  });
});

describe('WebhookError across the built entry points', () => {
  // Each built entry (and the CJS build beside the ESM one) holds its own copy of the class.
  it('an error thrown by the /web copy is recognised by the main entry, in ESM and CJS', async () => {
    // Through variables, so the type-check (which runs before the build in CI) does not need dist/.
    const [mainPath, webPath] = ['../dist/index.js', '../dist/web/index.js'];
    const main = await import(mainPath);
    const web = await import(webPath);
    const cjs = createRequire(import.meta.url)('../dist/index.cjs');
    expect(web.WebhookError).not.toBe(main.WebhookError);
    const error = await web.constructEvent('{}', 'bad', 'whsec_x').catch((e: unknown) => e);
    expect(error instanceof main.WebhookError).toBe(true);
    expect(main.isWebhookError(error)).toBe(true);
    expect(error instanceof cjs.WebhookError).toBe(true);
    expect(cjs.isWebhookError(error)).toBe(true);
    expect(new Error('plain') instanceof main.WebhookError).toBe(false);
    expect(main.isWebhookError({ code: 'invalid_signature', status: 401 })).toBe(false);
    expect(new WebhookError('invalid_json', 'x') instanceof main.WebhookError).toBe(true);
    expect(isWebhookError(new main.WebhookError('invalid_json', 'x'))).toBe(true);
  });
});

describe('secret warnings', () => {
  it('names an invisible character pasted into a secret, without quoting it', async () => {
    const { warnAboutSecrets } = await import('../src/core/secrets.js');
    const warnings: string[] = [];
    warnAboutSecrets(['whsec_abc\u200bdef'], { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/invisible character/)]);
    expect(warnings[0]).not.toContain('whsec_abc');
  });

  it('remembers a bounded number of warned secrets, so per-tenant secrets cannot grow memory without end', async () => {
    const { warnAboutSecrets } = await import('../src/core/secrets.js');
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    warnAboutSecrets(['tenant-0'], logger);
    warnAboutSecrets(['tenant-0'], logger);
    expect(warnings).toHaveLength(1); // once per secret
    for (let i = 1; i <= 1500; i++) warnAboutSecrets([`tenant-${i}`], logger);
    warnings.length = 0;
    warnAboutSecrets(['tenant-0'], logger);
    expect(warnings).toHaveLength(1); // forgotten after the set filled up and started over
  });
});

describe('slow clients', () => {
  async function stalledBodyReply(listen: (options: ReceiverOptions) => Promise<{ port: number; close: () => unknown }>) {
    const handler = vi.fn();
    const net = await import('node:net');
    const { port, close } = await listen({ secret: SECRET, logger: quiet, bodyTimeoutMs: 150, handlers: { 'call.complete': handler } });
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write('POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-ThunderPhone-Signature: ' + 'a'.repeat(64) + '\r\n\r\n{"type":"c');
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    await close();
    expect(handler).not.toHaveBeenCalled();
    return reply;
  }

  const listenOn = async (server: import('node:http').Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as { port: number }).port, close: () => server.close() };
  };

  it.each([
    ['Node http', async (options: ReceiverOptions) => {
      const { thunderphoneMiddleware } = await import('../src/node/middleware.js');
      return listenOn((await import('node:http')).createServer(thunderphoneMiddleware(options)));
    }],
    ['Koa', async (options: ReceiverOptions) => {
      const { thunderphoneKoa } = await import('../src/koa/index.js');
      const Koa = (await import('koa')).default;
      const app = new Koa();
      app.use(thunderphoneKoa(options));
      return listenOn((await import('node:http')).createServer(app.callback()));
    }],
    ['Fastify', async (options: ReceiverOptions) => {
      const { thunderphonePlugin } = await import('../src/fastify/index.js');
      const app = (await import('fastify')).default();
      await app.register(thunderphonePlugin, { ...options, path: '/hook' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { port: (app.server.address() as { port: number }).port, close: () => app.close() };
    }],
  ] as const)('%s answers 408 with the JSON error when the body stalls, and closes the connection', async (_name, listen) => {
    const reply = await stalledBodyReply(listen);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(reply.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toEqual({ error: 'body_timeout', message: 'the body did not arrive within 150 ms' });
  });

  it('the Web adapter answers 408 when the body stream stalls', async () => {
    const { createWebHandler } = await import('../src/web/index.js');
    const POST = createWebHandler({ secret: SECRET, logger: quiet, bodyTimeoutMs: 100, handlers: { 'call.complete': () => {} } });
    const stalled = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new TextEncoder().encode('{"type"')); } });
    const res = await POST(new Request('http://localhost/hook', { method: 'POST', body: stalled, duplex: 'half', headers: { 'x-thunderphone-signature': 'a'.repeat(64) } } as RequestInit));
    expect(res.status).toBe(408);
    expect(await res.json()).toEqual({ error: 'body_timeout', message: 'the body did not arrive within 100 ms' });
  });

  it('refusals made before the body is read are logged like the others', async () => {
    const warnings: string[] = [];
    const receiver = createReceiver({ secret: SECRET, logger: { ...quiet, warn: (m) => warnings.push(m) } });
    expect(receiver.precheck({ method: 'POST', headers: { 'content-encoding': 'gzip' } })?.status).toBe(415);
    expect(receiver.precheck({ method: 'POST', headers: { 'content-length': String(2 * 1024 * 1024) } })?.status).toBe(413);
    expect(warnings).toEqual([expect.stringMatching(/^refused delivery: Content-Encoding "gzip"/), expect.stringMatching(/^refused delivery: Content-Length/)]);
  });
});

describe('option and registration edges', () => {
  it('refuses timeouts a JavaScript timer cannot honour (they would fire after 1 ms)', () => {
    for (const key of ['deadlineMs', 'handlerTimeoutMs', 'bodyTimeoutMs'] as const) {
      expect(() => createReceiver({ secret: SECRET, logger: quiet, [key]: 2 ** 31 })).toThrow(new RegExp(`${key} must be a positive number of milliseconds up to 2147483647`));
      expect(() => createReceiver({ secret: SECRET, logger: quiet, [key]: 2 ** 31 - 1 })).not.toThrow();
    }
    expect(() => toolHandler({ secret: SECRET, logger: quiet, timeoutMs: Number.MAX_SAFE_INTEGER }, () => ({}))).toThrow(/timeoutMs must be/);
  });

  it('a tool error whose message is not a usable string still answers 200 with a generic error', async () => {
    const odd = new Error('x');
    (odd as unknown as { message: unknown }).message = 123;
    const throwingMessage = new Error('y');
    Object.defineProperty(throwingMessage, 'message', { get() { throw new Error('no'); } });
    for (const error of [odd, throwingMessage]) {
      const tool = toolHandler({ secret: SECRET, logger: quiet }, () => { throw error; });
      const res = await tool.handle(request('{}'));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ error: 'the tool failed' });
    }
  });

  it('on("*") registers the catch-all, and on([]) is refused', async () => {
    const seen: string[] = [];
    const receiver = createReceiver({ secret: SECRET, logger: quiet });
    receiver.on('*' as string, (event) => { seen.push(event.type); });
    expect((await receiver.handle(request(complete))).status).toBe(200);
    expect(seen).toEqual(['call.complete']);
    expect(() => receiver.on([] as string[], () => {})).toThrow(/at least one event type/);
    expect(() => createReceiver({ secret: SECRET, logger: quiet }).on(['*', 'x.y'] as string[], () => {})).toThrow(/cannot be listed/);
  });

  it('Koa and Fastify refuse every receiver option given beside a ready receiver', async () => {
    const { thunderphoneKoa } = await import('../src/koa/index.js');
    const receiver = createReceiver({ secret: SECRET, logger: quiet });
    expect(() => thunderphoneKoa({ receiver, handlerTimeoutMs: 100 })).toThrow(/handlerTimeoutMs/);
    expect(() => thunderphoneKoa({ receiver, bodyTimeoutMs: 100 })).toThrow(/bodyTimeoutMs/);
  });

  it('a subclass of WebhookError keeps ordinary instanceof', () => {
    class MyError extends WebhookError {}
    expect(new WebhookError('invalid_json', 'x') instanceof MyError).toBe(false);
    expect(new MyError('invalid_json', 'x') instanceof MyError).toBe(true);
    expect(new MyError('invalid_json', 'x') instanceof WebhookError).toBe(true);
  });
});

describe('Web adapter and a client that goes away', () => {
  it('logs an abort mid-body at debug, not as a refused delivery', async () => {
    const { createWebHandler } = await import('../src/web/index.js');
    const lines: string[] = [];
    const record = (level: string) => (m: string) => lines.push(`${level} ${m}`);
    const POST = createWebHandler({ secret: SECRET, logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }, handlers: { 'call.complete': () => {} } });
    const controller = new AbortController();
    let fail: (error: Error) => void = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"type"'));
        fail = (error) => c.error(error);
      },
    });
    const request = new Request('http://localhost/hook', { method: 'POST', body, duplex: 'half', signal: controller.signal, headers: { 'x-thunderphone-signature': 'a'.repeat(64) } } as RequestInit);
    const replying = POST(request);
    controller.abort();
    fail(new Error('socket closed'));
    const res = await replying;
    expect(res.status).toBe(400);
    expect(lines).toEqual(['debug client aborted the request before the body was complete']);
  });
});

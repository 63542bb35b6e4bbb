import { createHmac } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createReceiver } from '../src/core/create-receiver.js';
import { DeadlineExceededError } from '../src/core/deadline.js';
import type { Logger } from '../src/core/logger.js';
import type { ErrorInfo, HandlerContext, RawRequest, Receiver, ReceiverOptions } from '../src/core/receiver.js';
import type { RawResponse } from '../src/core/response.js';

const SECRET = 'whsec_receiver_tests_4f9c1d';
const hmacHex = (body: Uint8Array, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

// Every log line and every response of this file, checked for the secret at the end.
const allLogLines: string[] = [];
const allResponses: RawResponse[] = [];

type LogLine = { level: keyof Logger; message: string; meta?: Record<string, unknown> };

function fakeLogger() {
  const lines: LogLine[] = [];
  const record = (level: keyof Logger) => (message: string, meta?: Record<string, unknown>) => {
    lines.push({ level, message, ...(meta ? { meta } : {}) });
    allLogLines.push(`${level} ${message} ${meta ? JSON.stringify(meta, (_k, v: unknown) => (v instanceof Error ? `${v.message} ${v.stack}` : v)) : ''}`);
  };
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const at = (level: keyof Logger) => lines.filter((l) => l.level === level).map((l) => l.message);
  return { logger, lines, at };
}

function setup(options: Partial<ReceiverOptions> = {}) {
  const log = fakeLogger();
  const receiver = createReceiver({ secret: SECRET, logger: log.logger, ...options });
  return { receiver, log };
}

function request(body: string | Uint8Array, extra: { method?: string; headers?: RawRequest['headers']; signature?: string | null; receivedAt?: number } = {}): RawRequest {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const signature = extra.signature === undefined ? hmacHex(bytes) : extra.signature;
  return {
    method: extra.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(bytes.byteLength),
      ...(signature === null ? {} : { 'x-thunderphone-signature': signature }),
      ...extra.headers,
    },
    body: bytes,
    ...(extra.receivedAt !== undefined ? { receivedAt: extra.receivedAt } : {}),
  };
}

async function send(receiver: Receiver, req: RawRequest): Promise<RawResponse> {
  const res = await receiver.handle(req);
  allResponses.push(res);
  return res;
}

function json(res: RawResponse): unknown {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
  return JSON.parse(res.body);
}

const event = (type: string, data: Record<string, unknown> = { call_id: 1 }, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ data, ...extra, type });

const incoming = event('call.incoming', { call_id: 987654321, from_number: '+14155550199', to_number: '+15551234567' });
const complete = event('call.complete', { call_id: 12345678901234567890n.toString(), recording_url: null }, { event_id: 'evt_1' });

afterEach(() => {
  vi.useRealTimers();
});

afterAll(() => {
  expect(allLogLines.length).toBeGreaterThan(0);
  expect(allResponses.length).toBeGreaterThan(0);
  for (const line of allLogLines) expect(line).not.toContain(SECRET);
  for (const res of allResponses) {
    expect(res.body).not.toContain(SECRET);
    expect(JSON.stringify(res.headers)).not.toContain(SECRET);
    expect(res.body).not.toMatch(/\n\s+at /); // no stack trace
  }
});

describe('refusals before any handler runs', () => {
  it('answers 405 with Allow: POST for GET', async () => {
    const handler = vi.fn();
    const { receiver } = setup({ handlers: { 'call.complete': handler } });
    const res = await send(receiver, request(complete, { method: 'GET' }));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(json(res)).toMatchObject({ error: 'method_not_allowed' });
    expect(handler).not.toHaveBeenCalled();
    expect(receiver.precheck({ method: 'PUT', headers: {} })).toMatchObject({ status: 405, headers: { allow: 'POST' } });
    expect(receiver.precheck({ method: 'POST', headers: {} })).toBeUndefined();
  });

  it('accepts the method name in any case', async () => {
    const { receiver } = setup({ handlers: { 'call.complete': () => {} } });
    expect((await send(receiver, request(complete, { method: 'post' }))).status).toBe(200);
  });

  it('answers 401 for a missing signature and for a wrong one, without calling a handler', async () => {
    const handler = vi.fn();
    const any = vi.fn();
    const { receiver, log } = setup({ handlers: { 'call.complete': handler, '*': any } });

    const missing = await send(receiver, request(complete, { signature: null }));
    expect(missing.status).toBe(401);
    expect(json(missing)).toEqual({ error: 'missing_signature', message: 'missing X-ThunderPhone-Signature header' });

    const wrong = await send(receiver, request(complete, { signature: hmacHex(new TextEncoder().encode(complete), 'whsec_other') }));
    expect(wrong.status).toBe(401);
    expect(json(wrong)).toMatchObject({ error: 'invalid_signature', message: expect.stringMatching(/does not match/) });

    const malformed = await send(receiver, request(complete, { signature: 'sha256=abc' }));
    expect(malformed.status).toBe(401);
    expect(json(malformed)).toMatchObject({ error: 'invalid_signature', message: expect.stringMatching(/sha256=/) });

    expect(handler).not.toHaveBeenCalled();
    expect(any).not.toHaveBeenCalled();
    expect(log.at('warn').filter((m) => m.startsWith('refused delivery'))).toHaveLength(3);
  });

  it('finds the signature header in any letter case', async () => {
    const { receiver } = setup({ handlers: { 'call.complete': () => {} } });
    const bytes = new TextEncoder().encode(complete);
    const res = await send(receiver, { method: 'POST', headers: { 'X-ThunderPhone-Signature': hmacHex(bytes) }, body: bytes });
    expect(res.status).toBe(200);
  });

  it('answers 401 for unsigned requests of every type: no type is exempt', async () => {
    const { receiver } = setup({ handlers: { '*': () => ({}) } });
    for (const body of ['{"type":"ping"}', event('test-call.completed'), incoming]) {
      expect((await send(receiver, request(body, { signature: null }))).status).toBe(401);
    }
  });

  it('answers 400 for a verified body that is not JSON', async () => {
    const any = vi.fn();
    const { receiver } = setup({ handlers: { '*': any } });
    const res = await send(receiver, request('{"type": "call.complete", oops'));
    expect(res.status).toBe(400);
    expect(json(res)).toEqual({ error: 'invalid_json', message: 'body is not valid JSON' });
    const notEvent = await send(receiver, request('[1,2]'));
    expect(notEvent.status).toBe(400);
    expect(json(notEvent)).toMatchObject({ error: 'invalid_envelope' });
    expect(any).not.toHaveBeenCalled();
  });

  it('answers 413 for a body over the limit, and for a declared Content-Length over it', async () => {
    const handler = vi.fn();
    const { receiver } = setup({ limit: 64, handlers: { 'call.complete': handler } });
    const big = event('call.complete', { call_id: 1, pad: 'x'.repeat(100) });
    const over = await send(receiver, request(big, { headers: { 'content-length': undefined } }));
    expect(over.status).toBe(413);
    expect(json(over)).toMatchObject({ error: 'body_too_large', message: expect.stringMatching(/limit is 64/) });

    const declared = await send(receiver, request('{}', { headers: { 'content-length': '1000' } }));
    expect(declared.status).toBe(413);
    expect(json(declared)).toMatchObject({ error: 'body_too_large', message: expect.stringMatching(/Content-Length 1000/) });
    expect(receiver.precheck({ method: 'POST', headers: { 'Content-Length': '65' } })).toMatchObject({ status: 413 });
    expect(receiver.precheck({ method: 'POST', headers: { 'content-length': '64' } })).toBeUndefined();
    expect(handler).not.toHaveBeenCalled();
  });

  it('reads a limit given as a size string', async () => {
    const { receiver } = setup({ limit: '1kb' });
    expect(receiver.limit).toBe(1024);
    expect(receiver.precheck({ method: 'POST', headers: { 'content-length': '1025' } })).toMatchObject({ status: 413 });
  });

  it('answers 415 for Content-Encoding gzip, and accepts identity', async () => {
    const handler = vi.fn();
    const { receiver } = setup({ handlers: { 'call.complete': handler } });
    for (const encoding of ['gzip', 'GZIP', 'br', 'gzip, identity']) {
      const res = await send(receiver, request(complete, { headers: { 'content-encoding': encoding } }));
      expect(res.status).toBe(415);
      expect(json(res)).toMatchObject({ error: 'unsupported_encoding', message: expect.stringMatching(/uncompressed/) });
    }
    expect(handler).not.toHaveBeenCalled();
    for (const encoding of ['identity', 'Identity', '']) {
      expect((await send(receiver, request(complete, { headers: { 'content-encoding': encoding } }))).status).toBe(200);
    }
    expect(handler).toHaveBeenCalledTimes(3);
  });
});

describe('blocking events (the reply is the agent configuration)', () => {
  const config = { prompt: 'Café ☕ — greet the caller warmly', voice: 'en-US-James1', product: 'spark' as const };

  it.each(['call.incoming', 'telephony.incoming', 'web.incoming'] as const)(
    '%s: the handler return value is the body, with a byte-accurate Content-Length',
    async (type) => {
      const seen: unknown[] = [];
      const { receiver } = setup();
      receiver.on(type, (e) => {
        seen.push(e.data.from_number);
        return config;
      });
      const res = await send(receiver, request(event(type, { call_id: 1, from_number: '+1555', to_number: '+1666' })));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body, 'utf8')));
      expect(Buffer.byteLength(res.body)).not.toBe(res.body.length); // non-ASCII prompt: bytes != UTF-16 units
      expect(JSON.parse(res.body)).toEqual(config);
      expect(seen).toEqual(['+1555']);
    },
  );

  it('resolves a handler that returns a promise', async () => {
    const { receiver } = setup({ handlers: { 'call.incoming': async () => ({ prompt: 'p', voice: 'v' }) } });
    expect(json(await send(receiver, request(incoming)))).toEqual({ prompt: 'p', voice: 'v' });
  });

  it('drops keys whose value is undefined from the reply', async () => {
    const { receiver } = setup({ handlers: { 'call.incoming': () => ({ prompt: 'p', voice: 'v', product: undefined }) } });
    expect((await send(receiver, request(incoming))).body).toBe('{"prompt":"p","voice":"v"}');
  });

  it('sends {} and logs the reason when the reply is not a valid configuration', async () => {
    const { receiver, log } = setup({
      handlers: { 'call.incoming': () => ({ prompt: 'p', voice: 'v', customer_id: 'c1' }) as never },
    });
    const res = await send(receiver, request(incoming));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{}');
    const warning = log.at('warn').join('\n');
    expect(warning).toMatch(/call\.incoming is not a valid agent configuration/);
    expect(warning).toMatch(/unknown top-level key "customer_id"/);
  });

  it('sends {} when the reply cannot be serialised', async () => {
    const { receiver, log } = setup({ handlers: { 'call.incoming': () => ({ prompt: 'p', voice: 'v', tools: [{ type: 'function', function: { name: 'n', description: 'd', parameters: { max: 1n } }, endpoint: { url: 'https://x.example' } }] }) } });
    const res = await send(receiver, request(incoming));
    expect(res.body).toBe('{}');
    expect(log.at('warn').join('\n')).toMatch(/could not be serialised/);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['{}', {}],
  ])('sends {} when the handler returns %s', async (_label, value) => {
    const { receiver, log } = setup({ handlers: { 'call.incoming': () => value } });
    const res = await send(receiver, request(incoming));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{}');
    expect(log.at('warn')).toEqual([]);
  });

  it('sends {} and calls onError when the handler throws', async () => {
    const onError = vi.fn<(error: unknown, info: ErrorInfo) => void>();
    const boom = new Error('config service down');
    const { receiver } = setup({
      onError,
      handlers: {
        'call.incoming': () => {
          throw boom;
        },
      },
    });
    const res = await send(receiver, request(incoming));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{}');
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(boom, { type: 'call.incoming', phase: 'handler' });
  });

  it('passes the event_id to onError when the event has one', async () => {
    const onError = vi.fn<(error: unknown, info: ErrorInfo) => void>();
    const { receiver } = setup({ onError, handlers: { 'web.incoming': () => Promise.reject(new Error('x')) } });
    await send(receiver, request(event('web.incoming', { call_id: 1 }, { event_id: 'evt_9' })));
    expect(onError).toHaveBeenCalledWith(expect.any(Error), { type: 'web.incoming', phase: 'handler', eventId: 'evt_9' });
  });

  it('logs a handler error when there is no onError, and survives an onError that throws', async () => {
    const first = setup({ handlers: { 'call.incoming': () => Promise.reject(new Error('lookup failed')) } });
    expect((await send(first.receiver, request(incoming))).body).toBe('{}');
    expect(first.log.lines.find((l) => l.level === 'error')).toMatchObject({
      message: 'handler for call.incoming failed',
      meta: { error: expect.stringContaining('lookup failed') },
    });

    const second = setup({
      onError: () => {
        throw new Error('hook broke');
      },
      handlers: { 'call.incoming': () => Promise.reject(new Error('x')) },
    });
    expect((await send(second.receiver, request(incoming))).body).toBe('{}');
    expect(second.log.at('error')).toContain('onError hook threw');
  });

  it('sends {} with status 200 when no handler is registered', async () => {
    const { receiver } = setup({ handlers: { 'call.complete': () => {} } });
    const res = await send(receiver, request(incoming));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{}');
  });

  it('lets onAny answer a blocking event', async () => {
    const { receiver } = setup({ handlers: { '*': () => ({ prompt: 'from any', voice: 'v' }) } });
    expect(json(await send(receiver, request(incoming)))).toEqual({ prompt: 'from any', voice: 'v' });
  });

  describe('deadline', () => {
    it('(real timers) replies {} before a slow handler finishes, aborts its signal and drops the late value', async () => {
      let finished = false;
      let signal: AbortSignal | undefined;
      let done!: () => void;
      const handlerDone = new Promise<void>((resolve) => (done = resolve));
      const { receiver, log } = setup({
        deadlineMs: 100,
        handlers: {
          'call.incoming': async (_e, ctx) => {
            signal = ctx.signal;
            await new Promise((resolve) => setTimeout(resolve, 400));
            finished = true;
            done();
            return { prompt: 'late', voice: 'v' };
          },
        },
      });
      const res = await send(receiver, request(incoming));
      expect(finished).toBe(false); // the reply did not wait for the 400 ms handler
      expect(res.status).toBe(200);
      expect(res.body).toBe('{}');
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toBeInstanceOf(DeadlineExceededError);
      expect(log.at('warn').join('\n')).toMatch(/missed the 100 ms deadline/);
      await handlerDone;
      await new Promise((resolve) => setImmediate(resolve));
      expect(log.at('debug')).toContain('late reply to call.incoming dropped');
    });

    it('(fake timers) replies exactly at the deadline and leaves no timer behind', async () => {
      vi.useFakeTimers();
      let signal: AbortSignal | undefined;
      const { receiver, log } = setup({
        deadlineMs: 100,
        handlers: {
          'call.incoming': (_e, ctx) => {
            signal = ctx.signal;
            return new Promise((resolve) => setTimeout(() => resolve({ prompt: 'late', voice: 'v' }), 400));
          },
        },
      });
      let res: RawResponse | undefined;
      void send(receiver, request(incoming)).then((r) => (res = r));
      await vi.advanceTimersByTimeAsync(99);
      expect(res).toBeUndefined();
      expect(signal?.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(res?.body).toBe('{}');
      expect(signal?.aborted).toBe(true);
      expect(log.at('warn').join('\n')).toMatch(/missed the 100 ms deadline/);
      expect(vi.getTimerCount()).toBe(1); // only the handler's own 400 ms timer
      await vi.advanceTimersByTimeAsync(300);
      expect(vi.getTimerCount()).toBe(0);
      expect(log.at('debug')).toContain('late reply to call.incoming dropped');
      expect(res?.body).toBe('{}');
    });

    it('(fake timers) a handler that answers in time leaves no deadline timer behind', async () => {
      vi.useFakeTimers();
      const { receiver } = setup({ deadlineMs: 1000, handlers: { 'call.incoming': () => ({ prompt: 'p', voice: 'v' }) } });
      const res = await send(receiver, request(incoming));
      expect(res.body).toBe('{"prompt":"p","voice":"v"}');
      expect(vi.getTimerCount()).toBe(0);
      const failing = setup({ deadlineMs: 1000, onError: () => {}, handlers: { 'call.incoming': () => Promise.reject(new Error('x')) } });
      await send(failing.receiver, request(incoming));
      expect(vi.getTimerCount()).toBe(0);
    });

    it('(fake timers) counts the deadline from receivedAt when given', async () => {
      vi.useFakeTimers();
      let signal: AbortSignal | undefined;
      const { receiver } = setup({
        deadlineMs: 100,
        handlers: {
          'call.incoming': (_e, ctx) => {
            signal = ctx.signal;
            return new Promise((resolve) => setTimeout(() => resolve({ prompt: 'late', voice: 'v' }), 400));
          },
        },
      });
      let res: RawResponse | undefined;
      void send(receiver, request(incoming, { receivedAt: Date.now() - 80 })).then((r) => (res = r));
      await vi.advanceTimersByTimeAsync(19);
      expect(res).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(res?.body).toBe('{}');
      expect(signal?.aborted).toBe(true);
      await vi.advanceTimersByTimeAsync(400);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('(fake timers) a receivedAt in the future never extends the deadline', async () => {
      vi.useFakeTimers();
      const { receiver } = setup({
        deadlineMs: 100,
        handlers: { 'call.incoming': () => new Promise((resolve) => setTimeout(() => resolve({ prompt: 'late', voice: 'v' }), 400)) },
      });
      let res: RawResponse | undefined;
      void send(receiver, request(incoming, { receivedAt: Date.now() + 10_000 })).then((r) => (res = r));
      await vi.advanceTimersByTimeAsync(100);
      expect(res?.body).toBe('{}');
      await vi.advanceTimersByTimeAsync(300);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('(fake timers) a request received after its deadline already passed still gets {} at once', async () => {
      vi.useFakeTimers();
      const handler = vi.fn(() => new Promise<undefined>((resolve) => setTimeout(resolve, 50)));
      const { receiver } = setup({ deadlineMs: 100, handlers: { 'call.incoming': handler } });
      let res: RawResponse | undefined;
      void send(receiver, request(incoming, { receivedAt: Date.now() - 500 })).then((r) => (res = r));
      await vi.advanceTimersByTimeAsync(0);
      expect(res?.body).toBe('{}');
      await vi.advanceTimersByTimeAsync(50);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('(fake timers) a rejection after the deadline goes to onError with phase "late"', async () => {
      vi.useFakeTimers();
      const onError = vi.fn<(error: unknown, info: ErrorInfo) => void>();
      const lateError = new Error('gave up after the reply');
      const { receiver } = setup({
        deadlineMs: 100,
        onError,
        handlers: {
          'telephony.incoming': () => new Promise((_resolve, reject) => setTimeout(() => reject(lateError), 400)),
        },
      });
      let res: RawResponse | undefined;
      void send(receiver, request(event('telephony.incoming', { call_id: 5 }, { event_id: 'evt_late' }))).then((r) => (res = r));
      await vi.advanceTimersByTimeAsync(100);
      expect(res?.body).toBe('{}');
      expect(onError).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(300);
      expect(onError).toHaveBeenCalledTimes(1);
      expect(onError).toHaveBeenCalledWith(lateError, { type: 'telephony.incoming', phase: 'late', eventId: 'evt_late' });
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

describe('non-blocking events', () => {
  it('answers 503 when a handler runs past handlerTimeoutMs, aborts its signal, and reports a late failure', async () => {
    const onError = vi.fn();
    let seen: AbortSignal | undefined;
    let fail: (error: Error) => void = () => {};
    const { receiver, log } = setup({
      handlerTimeoutMs: 50,
      onError,
      handlers: {
        'call.complete': (_event, { signal }) => {
          seen = signal;
          return new Promise((_resolve, reject) => {
            fail = reject;
          });
        },
      },
    });
    const res = await send(receiver, request(complete));
    expect(res.status).toBe(503);
    expect(json(res)).toMatchObject({ error: 'handler_timeout' });
    expect(seen?.aborted).toBe(true);
    expect(log.at('warn').some((m) => m.includes('did not finish within 50 ms'))).toBe(true);
    fail(new Error('database went away'));
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(onError.mock.calls[0]?.[1]).toMatchObject({ type: 'call.complete', phase: 'late' });
  });

  it('refuses a non-positive handlerTimeoutMs', () => {
    expect(() => setup({ handlerTimeoutMs: 0 })).toThrow(/handlerTimeoutMs must be a positive number/);
  });

  it('answers 200 {"ok":true} when the handler resolves', async () => {
    const { receiver } = setup({ handlers: { 'call.complete': async () => 'ignored return value' } });
    const res = await send(receiver, request(complete));
    expect(res.status).toBe(200);
    expect(json(res)).toEqual({ ok: true });
  });

  it('waits for an async handler before acknowledging', async () => {
    const order: string[] = [];
    const { receiver } = setup({
      handlers: {
        'call.complete': async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push('stored');
        },
      },
    });
    await send(receiver, request(complete));
    order.push('acknowledged');
    expect(order).toEqual(['stored', 'acknowledged']);
  });

  it('answers 500 handler_failed when the handler throws, without leaking the error message', async () => {
    const onError = vi.fn<(error: unknown, info: ErrorInfo) => void>();
    const secretish = new Error('db password=hunter2 at 10.0.0.3');
    const { receiver } = setup({
      onError,
      handlers: {
        'call.complete': () => {
          throw secretish;
        },
      },
    });
    const res = await send(receiver, request(complete));
    expect(res.status).toBe(500);
    const body = json(res) as { error: string; message: string };
    expect(body.error).toBe('handler_failed');
    expect(body.message).toMatch(/call\.complete failed; answering 500 so ThunderPhone retries/);
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('10.0.0.3');
    expect(onError).toHaveBeenCalledWith(secretish, { type: 'call.complete', phase: 'handler', eventId: 'evt_1' });
  });

  it('answers 500 for a rejected promise too', async () => {
    const { receiver } = setup({ onError: () => {}, handlers: { 'call.graded': () => Promise.reject(new Error('x')) } });
    expect((await send(receiver, request(event('call.graded')))).status).toBe(500);
  });

  it('answers 202 {"ok":true,"handled":false} when no handler is registered', async () => {
    const { receiver } = setup();
    for (const body of [complete, event('some.future.type')]) {
      const res = await send(receiver, request(body));
      expect(res.status).toBe(202);
      expect(json(res)).toEqual({ ok: true, handled: false });
    }
  });

  it('hands an unknown type to onAny, untouched', async () => {
    const seen: unknown[] = [];
    const { receiver } = setup();
    receiver.onAny((e) => {
      seen.push(e);
    });
    const body = '{"data":{"nested":[1,{"b":2}]},"extra":"kept","type":"voice.started"}';
    const res = await send(receiver, request(body));
    expect(res.status).toBe(200);
    expect(seen).toEqual([JSON.parse(body)]);
  });

  it('prefers a type handler over onAny', async () => {
    const specific = vi.fn();
    const any = vi.fn();
    const { receiver } = setup();
    receiver.on('call.complete', specific).onAny(any);
    await send(receiver, request(complete));
    expect(specific).toHaveBeenCalledTimes(1);
    expect(any).not.toHaveBeenCalled();
    await send(receiver, request(event('call.graded')));
    expect(any).toHaveBeenCalledTimes(1);
  });

  it('treats the handlers option like .on() and "*" like .onAny()', async () => {
    const viaOption = vi.fn();
    const anyViaOption = vi.fn();
    const { receiver } = setup({ handlers: { 'call.complete': viaOption, '*': anyViaOption, 'call.graded': undefined } });
    expect((await send(receiver, request(complete))).status).toBe(200);
    expect(viaOption).toHaveBeenCalledTimes(1);
    expect((await send(receiver, request(event('call.graded')))).status).toBe(200);
    expect(anyViaOption).toHaveBeenCalledTimes(1);
    expect(() => receiver.on('call.complete', () => {})).toThrow(/already registered/);
    expect(() => receiver.onAny(() => {})).toThrow(/onAny\(\) is already registered/);
  });

  it('refuses a second handler for one type', () => {
    const { receiver } = setup();
    receiver.on('call.complete', () => {});
    expect(() => receiver.on('call.complete', () => {})).toThrow(/a handler for "call\.complete" is already registered/);
    expect(() => receiver.on('x', 'not a function' as never)).toThrow(TypeError);
  });

  it('registers one handler for an array of types', async () => {
    const types: string[] = [];
    const { receiver } = setup();
    receiver.on(['telephony.complete', 'web.complete', 'call.complete'], (e) => {
      types.push(`${e.type}:${String(e.data.call_id)}`);
    });
    await send(receiver, request(event('telephony.complete', { call_id: 1 })));
    await send(receiver, request(event('web.complete', { call_id: 2 })));
    await send(receiver, request(complete));
    expect(types).toEqual(['telephony.complete:1', 'web.complete:2', 'call.complete:12345678901234567890']);
  });

  it('registers nothing when an array holds a type that is already taken', () => {
    const { receiver } = setup();
    receiver.on('web.complete', () => {});
    expect(() => receiver.on(['telephony.complete', 'web.complete'], () => {})).toThrow(/"web\.complete" is already registered/);
    expect(() => receiver.on('telephony.complete', () => {})).not.toThrow();
    expect(() => receiver.on(['call.graded', 'call.graded'], () => {})).toThrow(/already registered/);
  });
});

describe('handler context', () => {
  it('gives the handler the exact verified bytes, the headers and the logger', async () => {
    const contexts: HandlerContext[] = [];
    const { receiver, log } = setup({
      handlers: {
        'call.complete': (_e, ctx) => {
          contexts.push(ctx);
        },
      },
    });
    const odd = '{ "type" : "call.complete", "data" : { "call_id" : 1, "url": "https:\\/\\/x" } }\n';
    const req = request(odd);
    await send(receiver, req);
    expect(contexts).toHaveLength(1);
    const ctx = contexts[0] as HandlerContext;
    expect(Buffer.from(ctx.rawBody).equals(Buffer.from(odd, 'utf8'))).toBe(true);
    expect(ctx.rawBody).toBe(req.body);
    expect(ctx.headers).toBe(req.headers);
    // The context's logger is the configured one, behind a guard that keeps a throwing logger from breaking replies.
    ctx.logger.info('from the handler', { n: 1 });
    expect(log.lines).toContainEqual({ level: 'info', message: 'from the handler', meta: { n: 1 } });
    expect(ctx.signal.aborted).toBe(false);
  });

  it('gives a blocking handler a live signal when it answers in time', async () => {
    let signal: AbortSignal | undefined;
    const { receiver } = setup({
      handlers: {
        'call.incoming': (_e, ctx) => {
          signal = ctx.signal;
          return {};
        },
      },
    });
    await send(receiver, request(incoming));
    expect(signal?.aborted).toBe(false);
  });
});

describe('configuration', () => {
  it.each([
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['an unset env var', { secret: process.env.THUNDERPHONE_SURELY_UNSET_VAR }],
    ['an empty list', { secrets: [] }],
    ['a whitespace-only secret', { secret: '\n' }],
  ])('throws at once for %s', (_label, options) => {
    expect(() => createReceiver({ logger: fakeLogger().logger, ...options })).toThrow(TypeError);
    expect(() => createReceiver({ logger: fakeLogger().logger, ...options })).toThrow(/no webhook secret configured|secret #1 is/);
  });

  it('refuses secret and secrets together', () => {
    expect(() => createReceiver({ secret: SECRET, secrets: [SECRET] })).toThrow(/`secret` or `secrets`, not both/);
  });

  it('refuses a bad deadline or limit', () => {
    expect(() => setup({ deadlineMs: 0 })).toThrow(/deadlineMs/);
    expect(() => setup({ limit: 'lots' })).toThrow(/body limit/);
  });

  it('accepts any of several secrets', async () => {
    const { receiver } = setup({ secret: undefined, secrets: ['whsec_old_one', SECRET], handlers: { 'call.complete': () => {} } });
    const bytes = new TextEncoder().encode(complete);
    expect((await send(receiver, request(complete, { signature: hmacHex(bytes, 'whsec_old_one') }))).status).toBe(200);
    expect((await send(receiver, request(complete))).status).toBe(200);
  });

  it('warns about a suspicious secret through the given logger without quoting it', () => {
    const log = fakeLogger();
    const suspicious = 'sk_live_receiver_case_83ab';
    createReceiver({ secret: suspicious, logger: log.logger });
    const warnings = log.at('warn').join('\n');
    expect(warnings).toMatch(/looks like an API key/);
    expect(warnings).not.toContain(suspicious);
  });

  it('exposes the effective limit and deadline', () => {
    const { receiver } = setup();
    expect(receiver.limit).toBe(1024 * 1024);
    expect(receiver.deadlineMs).toBe(1800);
  });
});

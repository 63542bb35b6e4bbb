import { afterEach, describe, expect, it, vi } from 'vitest';
import express from 'express';
import request from 'supertest';
import { thunderphoneMiddleware } from '../src/index.js';
import { toolHandler as nodeToolHandler, type ToolCallHandler, type ToolReceiverOptions } from '../src/tool/index.js';
import { createWebHandler, toolHandler as webToolHandler } from '../src/web/index.js';
import { SECRET, hmac, recordingLogger } from './support/node-requests.js';

const BIG_CALL_ID = '12345678901234567890'; // above 2^53: a JS number would round it
const ARGS = '{"date":"2025-01-02","party_size":4,"reservation_id":98765432109876543210}';

let logger = recordingLogger();

afterEach(() => {
  expect(logger.text()).not.toContain(SECRET);
  logger = recordingLogger();
});

interface Reply {
  status: number;
  text: string;
  header(name: string): string | undefined;
}

interface Sent {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

/** The same tool receiver behind each adapter, called the same way. */
const adapters: Record<string, (options: ToolReceiverOptions, handler: ToolCallHandler) => (req: Sent) => Promise<Reply>> = {
  'Express (thunderphoneMiddleware)': (options, handler) => {
    const app = express();
    app.all('/tools/book', thunderphoneMiddleware(nodeToolHandler(options, handler)));
    return async ({ method = 'POST', body, headers = {} }) => {
      let req = request(app)[method.toLowerCase() as 'post']('/tools/book').set(headers);
      if (body !== undefined) req = req.set('content-type', 'application/json').send(body);
      const res = await req;
      return { status: res.status, text: res.text, header: (n) => res.headers[n.toLowerCase()] as string | undefined };
    };
  },
  'Web (createWebHandler)': (options, handler) => {
    const POST = createWebHandler(webToolHandler(options, handler));
    return async ({ method = 'POST', body, headers = {} }) => {
      const res = await POST(new Request('http://localhost/tools/book', { method, headers, ...(body !== undefined ? { body } : {}) }));
      const text = await res.text();
      return { status: res.status, text, header: (n) => res.headers.get(n) ?? undefined };
    };
  },
};

function signedHeaders(body: string, callId: string | null = BIG_CALL_ID): Record<string, string> {
  return { 'x-thunderphone-signature': hmac(body), ...(callId !== null ? { 'x-thunderphone-call-id': callId } : {}) };
}

describe.each(Object.entries(adapters))('tool receiver through %s', (_name, serve) => {
  it('delivers the arguments and the exact call id, and returns the result as JSON', async () => {
    const handler = vi.fn(async (args: Record<string, unknown>) => ({ booked: true, date: args.date, note: 'à 19 h ✓' }));
    const call = serve({ secret: SECRET, logger }, handler);
    const res = await call({ body: ARGS, headers: signedHeaders(ARGS) });

    expect(res.status).toBe(200);
    expect(res.header('content-type')).toBe('application/json; charset=utf-8');
    expect(res.text).toBe(JSON.stringify({ booked: true, date: '2025-01-02', note: 'à 19 h ✓' }));
    expect(res.header('content-length')).toBe(String(Buffer.byteLength(res.text, 'utf8')));
    expect(handler).toHaveBeenCalledTimes(1);
    const [args, context] = handler.mock.calls[0] as unknown as [Record<string, unknown>, { callId: string; method: string; rawBody: Uint8Array; signal: AbortSignal }];
    expect(args).toEqual({ date: '2025-01-02', party_size: 4, reservation_id: '98765432109876543210' });
    expect(context.callId).toBe(BIG_CALL_ID);
    expect(context.method).toBe('POST');
    expect(Buffer.from(context.rawBody).toString('utf8')).toBe(ARGS);
    expect(context.signal).toBeInstanceOf(AbortSignal);
  });

  it('gives callId undefined when the header is absent', async () => {
    const handler = vi.fn(() => 'ok');
    const call = serve({ secret: SECRET, logger }, handler);
    const res = await call({ body: '{}', headers: signedHeaders('{}', null) });
    expect(res.status).toBe(200);
    expect(res.text).toBe('"ok"');
    expect((handler.mock.calls[0] as unknown as [unknown, { callId: unknown }])[1].callId).toBeUndefined();
  });

  it('answers {} when the handler returns nothing', async () => {
    const call = serve({ secret: SECRET, logger }, () => undefined);
    const res = await call({ body: ARGS, headers: signedHeaders(ARGS) });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{}');
  });

  it('turns a thrown error into 200 {"error": message} for the model, without a stack, and reports it', async () => {
    const onError = vi.fn();
    const call = serve({ secret: SECRET, logger, onError }, () => {
      throw new Error('No tables left on 2025-01-02');
    });
    const res = await call({ body: ARGS, headers: signedHeaders(ARGS) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ error: 'No tables left on 2025-01-02' });
    expect(res.text).not.toMatch(/\bat \S+:\d+/);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[1]).toEqual({ callId: BIG_CALL_ID, phase: 'handler' });
  });

  it('sends a generic message when something other than an Error is thrown, and logs it by default', async () => {
    const call = serve({ secret: SECRET, logger }, () => Promise.reject({ internal: 'detail' }));
    const res = await call({ body: ARGS, headers: signedHeaders(ARGS) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ error: 'the tool failed' });
    expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('tool handler failed'))).toBe(true);
  });

  it('refuses an unsigned or wrongly signed call with 401 and never calls the handler', async () => {
    const handler = vi.fn();
    const call = serve({ secret: SECRET, logger }, handler);
    const unsigned = await call({ body: ARGS, headers: { 'x-thunderphone-call-id': BIG_CALL_ID } });
    expect(unsigned.status).toBe(401);
    expect(JSON.parse(unsigned.text)).toMatchObject({ error: 'missing_signature' });
    const wrong = await call({ body: ARGS, headers: { 'x-thunderphone-signature': hmac(ARGS, 'whsec_other_secret') } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text)).toMatchObject({ error: 'invalid_signature' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses signed bytes that are not JSON with 400', async () => {
    const handler = vi.fn();
    const call = serve({ secret: SECRET, logger }, handler);
    const body = '{"date": ';
    const res = await call({ body, headers: signedHeaders(body) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'invalid_json' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('warns when the result is over 6 kB, and still sends it whole', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ slot: i, label: `Table ${i} by the window` }));
    const call = serve({ secret: SECRET, logger }, () => ({ rows }));
    const res = await call({ body: ARGS, headers: signedHeaders(ARGS) });
    const size = Buffer.byteLength(JSON.stringify({ rows }), 'utf8');
    expect(size).toBeGreaterThan(6 * 1024);
    expect(res.status).toBe(200);
    expect(res.text).toBe(JSON.stringify({ rows }));
    const warning = logger.lines.find((l) => l.level === 'warn' && l.message.includes('truncates'));
    expect(warning?.message).toContain(`${size} bytes`);
  });

  it('does not warn for a result just under 6 kB', async () => {
    const result = 'x'.repeat(6 * 1024 - 2); // serialised with its two quotes: exactly 6144 bytes
    const call = serve({ secret: SECRET, logger }, () => result);
    const res = await call({ body: ARGS, headers: signedHeaders(ARGS) });
    expect(Buffer.byteLength(res.text)).toBe(6 * 1024);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('accepts a GET with an empty body as {} arguments', async () => {
    const handler = vi.fn(() => ({ open: true }));
    const call = serve({ secret: SECRET, logger }, handler);
    const res = await call({ method: 'GET', headers: signedHeaders('') });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ open: true });
    const [args, context] = handler.mock.calls[0] as unknown as [unknown, { method: string; callId: string }];
    expect(args).toEqual({});
    expect(context.method).toBe('GET');
    expect(context.callId).toBe(BIG_CALL_ID);
  });

  it('accepts PUT, PATCH and DELETE, and refuses other methods with 405', async () => {
    const call = serve({ secret: SECRET, logger }, () => ({ ok: true }));
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await call({ method, body: ARGS, headers: signedHeaders(ARGS) });
      expect(res.status, method).toBe(200);
    }
    const options = await call({ method: 'OPTIONS', headers: signedHeaders('') });
    expect(options.status).toBe(405);
    expect(options.header('allow')).toBe('GET, POST, PUT, PATCH, DELETE');
  });

  it('tells the model the tool timed out when the handler is too slow, and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const call = serve({ secret: SECRET, logger, timeoutMs: 100 }, async (_args, context) => {
      signal = context.signal;
      await new Promise((r) => setTimeout(r, 1000));
      return { late: true };
    });
    const res = await call({ body: ARGS, headers: signedHeaders(ARGS) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ error: 'the tool did not answer within 100 ms' });
    expect(signal?.aborted).toBe(true);
  });

  it('reports a result that cannot be serialised instead of crashing', async () => {
    const onError = vi.fn();
    const call = serve({ secret: SECRET, logger, onError }, () => ({ id: 10n }));
    const res = await call({ body: ARGS, headers: signedHeaders(ARGS) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ error: 'the tool result could not be serialised as JSON' });
    expect(onError.mock.calls[0]?.[1]).toEqual({ callId: BIG_CALL_ID, phase: 'result' });
  });
});

describe('toolHandler options', () => {
  it('throws at once without a secret or handler', () => {
    for (const make of [nodeToolHandler, webToolHandler]) {
      expect(() => make({}, () => ({}))).toThrow(/no webhook secret configured/);
      expect(() => make({ secret: SECRET }, undefined as unknown as ToolCallHandler)).toThrow(/must be a function/);
      expect(() => make({ secret: SECRET, timeoutMs: 0 }, () => ({}))).toThrow(/timeoutMs/);
    }
  });
});

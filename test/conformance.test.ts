// One table of requests, sent through all five adapters built from the same receiver options.
// Every adapter must give the same status, Content-Type and body bytes for every row, and each
// row's expected answer is written down here independently of the library.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import Koa from 'koa';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { KNOWN_EVENT_TYPES, thunderphoneMiddleware, type HandlerMap, type ReceiverOptions } from '../src/index.js';
import { createWebHandler } from '../src/web/index.js';
import { thunderphonePlugin } from '../src/fastify/index.js';
import { thunderphoneKoa } from '../src/koa/index.js';
import { SECRET, close, hmac, listen, rawRequest, recordingLogger } from './support/node-requests.js';

const PATH = '/thunderphone-webhook';
const LIMIT = 16 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';

interface Sent {
  method: string;
  headers: Record<string, string>;
  body?: string;
}
interface Got {
  status: number;
  contentType: string | undefined;
  contentLength: string | undefined;
  allow: string | undefined;
  body: string;
}
interface Driver {
  name: string;
  send(request: Sent): Promise<Got>;
  close(): Promise<void>;
}

// ---- the handlers every adapter shares -------------------------------------------------------

const SLOW_CALLER = '+15550000400';
const FAILING_CALL_ID = 666;
/** Non-ASCII on purpose: Content-Length must count UTF-8 bytes, not UTF-16 units. */
const NON_ASCII_CONFIG = { prompt: 'Bienvenue chez Zoë — réponds «vite» 😀', voice: 'fr-FR-Denise', product: 'spark' as const };
const TELEPHONY_CONFIG = { prompt: 'Telephony agent', voice: 'en-US-James1' };

const seen: { type: string; event: unknown }[] = [];
let slowStarted = 0;
const slowFinished = new Set<number>();

const handlers: HandlerMap = {
  'call.incoming': async (event) => {
    seen.push({ type: event.type, event });
    if (event.data.from_number !== SLOW_CALLER) return NON_ASCII_CONFIG;
    const id = ++slowStarted;
    await sleep(400);
    slowFinished.add(id);
    return NON_ASCII_CONFIG;
  },
  'telephony.incoming': (event) => (seen.push({ type: event.type, event }), TELEPHONY_CONFIG),
  'web.incoming': (event) => (seen.push({ type: event.type, event }), null),
  'call.complete': (event) => {
    seen.push({ type: event.type, event });
    if (event.data.call_id === FAILING_CALL_ID) throw new Error('database is down');
  },
};
for (const type of KNOWN_EVENT_TYPES) {
  handlers[type] ??= (event: { type: string }) => void seen.push({ type: event.type, event });
}

const logger = recordingLogger();
const options = (): ReceiverOptions => ({ secret: SECRET, limit: LIMIT, deadlineMs: 100, logger, handlers });

// ---- the five drivers ------------------------------------------------------------------------

function overHttp(name: string, server: http.Server): Driver & { start(): Promise<void> } {
  let base = '';
  return {
    name,
    start: async () => {
      base = await listen(server);
    },
    send: async ({ method, headers, body }) => {
      const res = await rawRequest(base, { method, path: PATH, headers, chunks: body === undefined ? [] : [body] });
      return got(res.status, (h) => res.headers[h] as string | undefined, res.text);
    },
    close: () => close(server),
  };
}

function got(status: number, header: (name: string) => string | undefined, body: string): Got {
  return { status, contentType: header('content-type'), contentLength: header('content-length'), allow: header('allow'), body };
}

function expressDriver() {
  const app = express();
  app.all(PATH, thunderphoneMiddleware(options()));
  return overHttp('express', http.createServer(app));
}

function nodeHttpDriver() {
  return overHttp('node:http', http.createServer(thunderphoneMiddleware({ ...options(), path: PATH })));
}

function koaDriver() {
  const app = new Koa();
  app.use(thunderphoneKoa({ ...options(), path: PATH }));
  return overHttp('koa', http.createServer(app.callback()));
}

function webDriver(): Driver {
  const handle = createWebHandler(options());
  return {
    name: 'web',
    send: async ({ method, headers, body }) => {
      const res = await handle(new Request(`http://localhost${PATH}`, { method, headers, body }));
      return got(res.status, (h) => res.headers.get(h) ?? undefined, await res.text());
    },
    close: async () => {},
  };
}

function fastifyDriver(): Driver & { start(): Promise<void> } {
  const app: FastifyInstance = Fastify();
  void app.register(thunderphonePlugin, { ...options(), path: PATH });
  return {
    name: 'fastify',
    start: async () => {
      await app.ready();
    },
    send: async ({ method, headers, body }) => {
      const res = await app.inject({ method: method as 'POST', url: PATH, headers, ...(body === undefined ? {} : { payload: body }) });
      return got(res.statusCode, (h) => res.headers[h] as string | undefined, res.body);
    },
    close: () => app.close(),
  };
}

// ---- the table -------------------------------------------------------------------------------

/** Sorted keys, compact separators: the bytes ThunderPhone sends. */
function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
    );
  };
  return JSON.stringify(sort(value));
}

function delivery(body: string, extra: Record<string, string> = {}): Sent {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-thunderphone-signature': hmac(body),
      ...extra,
    },
    body,
  };
}

function envelopeFor(type: string, data: Record<string, unknown>) {
  return { data, event_id: `evt_${type}`, type };
}

const BLOCKING_DATA = { call_id: 9007199254740991, from_number: '+14155550199', to_number: '+15551234567' };

interface Row {
  name: string;
  request: Sent;
  status: number;
  /** The exact body expected, or the error code of an error body. */
  body?: string;
  error?: string;
  message?: string;
  /** Checked after every adapter's reply. */
  after?: (reply: Got) => void;
  /** The event the handler must have received, or null when no handler may run. */
  delivered?: unknown;
}

const validRows: Row[] = KNOWN_EVENT_TYPES.map((type) => {
  const blocking = type.endsWith('.incoming');
  const envelope = envelopeFor(type, blocking ? BLOCKING_DATA : { call_id: 1001, status: 'completed' });
  const reply: Record<string, string> = {
    'call.incoming': JSON.stringify(NON_ASCII_CONFIG),
    'telephony.incoming': JSON.stringify(TELEPHONY_CONFIG),
    'web.incoming': '{}',
  };
  return {
    name: type === 'call.incoming' ? 'call.incoming: the blocking reply with a non-ASCII prompt' : `valid ${type}`,
    request: delivery(sortedJson(envelope)),
    status: 200,
    body: reply[type] ?? '{"ok":true}',
    delivered: envelope,
  };
});

const complete = sortedJson(envelopeFor('call.complete', { call_id: 1001 }));
const badJson = '{"data":{"call_id":1},"type":"call.complete"';
const oversize = sortedJson(envelopeFor('call.complete', { call_id: 1, pad: 'x'.repeat(LIMIT) }));
const slow = sortedJson(envelopeFor('call.incoming', { ...BLOCKING_DATA, from_number: SLOW_CALLER }));
const failing = sortedJson(envelopeFor('call.complete', { call_id: FAILING_CALL_ID }));
const unknown = sortedJson(envelopeFor('call.transcribed', { call_id: 5 }));

const rows: Row[] = [
  ...validRows,
  {
    name: 'missing signature',
    request: { ...delivery(complete), headers: { 'content-type': 'application/json', 'content-length': String(complete.length) } },
    status: 401,
    error: 'missing_signature',
    message: 'missing X-ThunderPhone-Signature header',
    delivered: null,
  },
  {
    name: 'bad signature (signed with another secret)',
    request: delivery(complete, { 'x-thunderphone-signature': hmac(complete, 'whsec_someone_else') }),
    status: 401,
    error: 'invalid_signature',
    message: 'signature does not match the body for the configured secret (see README#troubleshooting-signature-failures)',
    delivered: null,
  },
  { name: 'bad JSON, validly signed', request: delivery(badJson), status: 400, error: 'invalid_json', message: 'body is not valid JSON', delivered: null },
  {
    name: 'body over the limit (declared Content-Length)',
    request: delivery(oversize),
    status: 413,
    error: 'body_too_large',
    message: `Content-Length ${Buffer.byteLength(oversize)} is over the ${LIMIT}-byte limit`,
    delivered: null,
  },
  {
    name: 'wrong method (GET)',
    request: { method: 'GET', headers: {} },
    status: 405,
    error: 'method_not_allowed',
    message: 'GET is not allowed; ThunderPhone delivers webhooks with POST',
    after: (reply) => expect(reply.allow).toBe('POST'),
    delivered: null,
  },
  {
    name: 'deadline fallback: the handler takes 400 ms, the deadline is 100 ms',
    request: delivery(slow),
    status: 200,
    body: '{}',
    // Sends run one at a time, so the latest slow call is this adapter's: it must still be running.
    after: () => expect(slowFinished.has(slowStarted)).toBe(false),
    delivered: JSON.parse(slow),
  },
  {
    name: 'a non-blocking handler throws',
    request: delivery(failing),
    status: 500,
    error: 'handler_failed',
    message: 'the handler for call.complete failed; answering 500 so ThunderPhone retries',
    delivered: JSON.parse(failing),
  },
  {
    name: 'gzip Content-Encoding',
    request: delivery(complete, { 'content-encoding': 'gzip' }),
    status: 415,
    error: 'unsupported_encoding',
    delivered: null,
  },
  { name: 'an event type without a handler', request: delivery(unknown), status: 202, body: '{"ok":true,"handled":false}', delivered: null },
  // Fastify refuses a malformed Content-Type before any parser runs; the adapter must not.
  { name: 'a malformed Content-Type', request: delivery(complete, { 'content-type': 'json' }), status: 200, body: '{"ok":true}', delivered: JSON.parse(complete) },
  {
    name: 'no Content-Type at all',
    request: { ...delivery(complete), headers: { 'content-length': String(complete.length), 'x-thunderphone-signature': hmac(complete) } },
    status: 200,
    body: '{"ok":true}',
    delivered: JSON.parse(complete),
  },
];

// ---- running it ------------------------------------------------------------------------------

const drivers: Driver[] = [];

beforeAll(async () => {
  const started = [expressDriver(), nodeHttpDriver(), koaDriver(), fastifyDriver()];
  await Promise.all(started.map((d) => d.start()));
  drivers.push(started[0]!, started[1]!, webDriver(), started[3]!, started[2]!);
});

afterAll(async () => {
  // Let the slow handlers finish so nothing runs after the drivers are gone.
  await sleep(450);
  await Promise.all(drivers.map((d) => d.close()));
  expect(logger.text()).not.toContain(SECRET);
});

describe('the same answer from express, node:http, web, fastify and koa', () => {
  it('has all five adapters in the table', () => {
    expect(drivers.map((d) => d.name)).toEqual(['express', 'node:http', 'web', 'fastify', 'koa']);
  });

  it.each(rows)('$name', async (row) => {
    const replies: Got[] = [];
    for (const driver of drivers) {
      seen.length = 0;
      const reply = await driver.send(row.request);
      replies.push(reply);
      const where = `${driver.name}: ${row.name}`;

      expect(reply.status, where).toBe(row.status);
      expect(reply.contentType, where).toBe(JSON_TYPE);
      // Content-Length counts the UTF-8 bytes of what was sent.
      expect(Number(reply.contentLength), where).toBe(Buffer.byteLength(reply.body, 'utf8'));
      if (row.body !== undefined) expect(reply.body, where).toBe(row.body);
      if (row.error !== undefined) {
        const parsed = JSON.parse(reply.body) as { error: string; message: string };
        expect(Object.keys(parsed), where).toEqual(['error', 'message']);
        expect(parsed.error, where).toBe(row.error);
        if (row.message !== undefined) expect(parsed.message, where).toBe(row.message);
      }
      row.after?.(reply);
      if (row.delivered === null) expect(seen, where).toEqual([]);
      else if (row.delivered !== undefined) expect(seen.map((s) => s.event), where).toEqual([row.delivered]);
    }
    const [first, ...others] = replies;
    for (const [i, reply] of others.entries()) {
      expect({ adapter: drivers[i + 1]!.name, ...reply }).toEqual({ adapter: drivers[i + 1]!.name, ...first! });
    }
  });

  it('sends more bytes than characters for the non-ASCII blocking reply', () => {
    const body = JSON.stringify(NON_ASCII_CONFIG);
    expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThan(body.length);
  });
});

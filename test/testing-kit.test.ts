// Written the way a user tests their own handlers with thunderphone-webhooks/testing.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver } from '../src/core/create-receiver.js';
import type { HandlerMap } from '../src/core/receiver.js';
import { silentLogger } from '../src/core/logger.js';
import { verify } from '../src/core/signature.js';
import { thunderphoneMiddleware } from '../src/node/middleware.js';
import { createWebHandler } from '../src/web/index.js';
import {
  BLOCKING_EVENT_TYPES,
  SAMPLE_EVENT_TYPES,
  deliver,
  sampleEvent,
  sign,
  signPayload,
} from '../src/testing/index.js';

const secret = 'whsec_kit_test_secret';
const booking = { prompt: 'You are the Acme Dental receptionist.', voice: 'en-US-James1', product: 'spark' as const };

const completed: unknown[] = [];
const handlers: HandlerMap = {
  'call.incoming': (event) => (event.data.from_number === '+19995550000' ? {} : booking),
  'telephony.incoming': () => ({ prompt: 'x', voice: 'v', product: 'turbo' }) as never,
  'call.complete': (event) => {
    completed.push(event.data);
  },
  'call.graded': () => {
    throw new Error('grades table is locked');
  },
};

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer(thunderphoneMiddleware({ secret, handlers, logger: silentLogger }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/thunderphone-webhook`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('deliver() to a receiver in-process', () => {
  const receiver = createReceiver({ secret, handlers, logger: silentLogger });

  it('call.incoming returns the handler config, checked against the schema', async () => {
    const result = await deliver(receiver, 'call.incoming', { secret });
    expect(result.status).toBe(200);
    expect(result.json).toEqual(booking);
    expect(result.reply).toEqual({ ok: true, value: booking, staticAgent: false, slow: false });
  });

  it('{} reads as the static agent', async () => {
    const result = await deliver(receiver, sampleEvent('call.incoming', { data: { from_number: '+19995550000' } }), { secret });
    expect(result.body).toBe('{}');
    expect(result.reply).toMatchObject({ ok: true, staticAgent: true });
  });

  it('an invalid reply is replaced with {} by the receiver', async () => {
    const result = await deliver(receiver, 'telephony.incoming', { secret });
    expect(result.reply).toMatchObject({ ok: true, value: {}, staticAgent: true });
  });

  it('call.complete reaches the handler with the overrides merged in', async () => {
    const event = sampleEvent('call.complete', { data: { end_reason: 'transfer', transfer_number: '+14155550123' } });
    const result = await deliver(receiver, event, { secret });
    expect(result.status).toBe(200);
    expect(result.reply).toBeUndefined();
    expect(completed.at(-1)).toEqual(JSON.parse(event.body).data);
    expect(completed.at(-1)).toMatchObject({ end_reason: 'transfer', transfer_number: '+14155550123', voice: 'en-US-James1' });
  });

  it('a failing non-blocking handler is a 500, so ThunderPhone would retry', async () => {
    const result = await deliver(receiver, 'call.graded', { secret });
    expect(result.status).toBe(500);
    expect(result.json).toMatchObject({ error: 'handler_failed' });
  });

  it('the wrong secret gets a 401', async () => {
    const result = await deliver(receiver, 'call.incoming', { secret: 'whsec_not_the_one' });
    expect(result.status).toBe(401);
    expect(result.json).toMatchObject({ error: 'invalid_signature' });
    expect(result.reply).toEqual({ ok: false, reason: 'status 401 is not 2xx', slow: false });
  });

  it('accepts an envelope object or a raw body and sends it exactly', async () => {
    const envelope = { type: 'call.complete', event_id: 'evt_kit', data: { call_id: 12, from_number: '+1', to_number: '+2' } };
    expect((await deliver(receiver, envelope, { secret })).status).toBe(200);
    expect(completed.at(-1)).toEqual(envelope.data);

    // Not sorted on purpose: a raw body is signed and sent as it is, and still verifies.
    const raw = '{"type": "call.complete", "data": {"to_number": "+2", "call_id": 13, "from_number": "+1"}}';
    expect((await deliver(receiver, raw, { secret })).status).toBe(200);
    expect(completed.at(-1)).toEqual({ to_number: '+2', call_id: 13, from_number: '+1' });
  });
});

describe('deliver() to other targets', () => {
  it('a URL of a running server', async () => {
    const result = await deliver(url, 'call.incoming', { secret });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(result.reply).toMatchObject({ ok: true, value: booking });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('a URL, with the wrong secret', async () => {
    const result = await deliver(url, 'call.complete', { secret: 'whsec_not_the_one' });
    expect(result.status).toBe(401);
  });

  it('a thunderphoneMiddleware(...) without a server', async () => {
    const middleware = thunderphoneMiddleware({ secret, handlers, logger: silentLogger });
    const result = await deliver(middleware, 'call.incoming', { secret });
    expect(result.reply).toMatchObject({ ok: true, value: booking });
  });

  it('a Web (Request) => Response handler', async () => {
    const handler = createWebHandler({ secret, handlers, logger: silentLogger });
    const ok = await deliver(handler, 'call.incoming', { secret });
    expect(ok.reply).toMatchObject({ ok: true, value: booking });
    expect((await deliver(handler, 'call.incoming', { secret: 'whsec_not_the_one' })).status).toBe(401);
  });

  it('a hand-written Web handler sees the signature and the sorted body', async () => {
    let seen: { signature: string | null; body: string } | undefined;
    const handler = async (request: Request) => {
      seen = { signature: request.headers.get('x-thunderphone-signature'), body: await request.text() };
      return Response.json({ prompt: 'p' }); // no voice: ThunderPhone would refuse this
    };
    const event = sampleEvent('web.incoming');
    const result = await deliver(handler, event, { secret });
    expect(seen?.body).toBe(event.body);
    expect(seen?.signature).toBe(createHmac('sha256', secret).update(event.body).digest('hex'));
    expect(result.reply).toEqual({ ok: false, reason: '"voice" is required', slow: false });
  });

  it('reports a reply that did not come in time instead of throwing', async () => {
    const handler = () => new Promise<Response>((resolve) => setTimeout(() => resolve(Response.json({})), 500));
    const result = await deliver(handler, 'call.incoming', { secret, timeoutMs: 50 });
    expect(result.timedOut).toBe(true);
    expect(result.status).toBe(0);
    expect(result.reply).toMatchObject({ ok: false, slow: true });
  });

  it('marks a blocking reply slower than 2 s', async () => {
    const handler = () => new Promise<Response>((resolve) => setTimeout(() => resolve(Response.json(booking)), 2100));
    const result = await deliver(handler, 'call.incoming', { secret, timeoutMs: 5000 });
    expect(result.reply).toMatchObject({ ok: true, slow: true });
  });

  it('refuses a type it has no sample for, and a target it cannot use', async () => {
    await expect(deliver(url, 'alert.triggered', { secret })).rejects.toThrow(/no sample for "alert.triggered"/);
    const nodeHandler = (_req: unknown, _res: unknown) => undefined;
    await expect(deliver(nodeHandler as never, 'call.incoming', { secret })).rejects.toThrow(/start it on a server/);
  });
});

describe('signPayload() and sampleEvent()', () => {
  it('signPayload gives headers that verify with node:crypto', () => {
    const { body } = sampleEvent('call.complete');
    const headers = signPayload(body, secret);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-thunderphone-signature']).toBe(createHmac('sha256', secret).update(body, 'utf8').digest('hex'));
    expect(sign(body, secret)).toBe(headers['x-thunderphone-signature']);
    expect(verify(body, headers['x-thunderphone-signature'], secret)).toBe(true);
  });

  it('signPayload headers work with a plain fetch to a real server', async () => {
    const { body } = sampleEvent('call.incoming');
    const response = await fetch(url, { method: 'POST', headers: signPayload(body, secret), body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(booking);
  });

  it('sampleEvent has a sample for every type, blocking ones included', () => {
    for (const type of SAMPLE_EVENT_TYPES) {
      const { envelope, body } = sampleEvent(type);
      expect(JSON.parse(body)).toEqual(envelope);
    }
    expect(BLOCKING_EVENT_TYPES).toContain('web.incoming');
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGate, SELF_TEST_HEADER } from '../src/cli/listen-gate.js';
import { createReceiver } from '../src/core/create-receiver.js';
import { silentLogger } from '../src/core/logger.js';

const SECRET = 'whsec_gate_test';
const body = (text: string) => new TextEncoder().encode(text);
const signed = (text: string, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'x-thunderphone-signature': createHmac('sha256', SECRET).update(text).digest('hex'), ...extra },
  body: body(text),
});

describe('listen gate', () => {
  it('answers 503 with Retry-After until the secret is known, then hands deliveries to the receiver', async () => {
    const answered: number[] = [];
    const gate = createGate({ logger: silentLogger, selfTestNonce: 'n1', onAnswered: (_req, res) => answered.push(res.status) });
    const event = '{"data":{"call_id":1},"type":"call.graded"}';
    const early = await gate.handle(signed(event));
    expect(early.status).toBe(503);
    expect(early.headers['retry-after']).toBe('1');
    expect(answered).toEqual([]);

    gate.open(createReceiver({ secret: SECRET, logger: silentLogger, handlers: { 'call.graded': () => {} } }), SECRET);
    expect((await gate.handle(signed(event))).status).toBe(200);
    expect(answered).toEqual([200]);
  });

  it('answers its own self-test after checking the signature, without a delivery line', async () => {
    const answered: number[] = [];
    const gate = createGate({ logger: silentLogger, selfTestNonce: 'n1', onAnswered: (_req, res) => answered.push(res.status) });
    gate.open(createReceiver({ secret: SECRET, logger: silentLogger }), SECRET);
    const ok = await gate.handle(signed('{"type":"x"}', { [SELF_TEST_HEADER]: 'n1' }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ self_test: 'n1' });
    expect((await gate.handle(signed('{"type":"x"}', { [SELF_TEST_HEADER]: 'other' }))).status).toBe(409);
    const forged = await gate.handle({ ...signed('{"type":"x"}', { [SELF_TEST_HEADER]: 'n1' }), body: body('{"type":"y"}') });
    expect(forged.status).toBe(401);
    expect(answered).toEqual([]);
  });
});

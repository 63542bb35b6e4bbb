import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createReceiver } from '../src/core/create-receiver.js';
import type { RawRequest } from '../src/core/receiver.js';

// The `logger` option takes console, a pino instance, or any {debug, info, warn, error} object.
const SECRET = 'whsec_logger_option_tests';
const body = new TextEncoder().encode('{"data":{"call_id":1},"type":"call.complete"}');
const signed = createHmac('sha256', SECRET).update(body).digest('hex');
const wrong = createHmac('sha256', 'whsec_other').update(body).digest('hex');

function request(signature: string): RawRequest {
  return { method: 'POST', headers: { 'x-thunderphone-signature': signature }, body };
}

describe('logger: a pino instance', () => {
  function pinoInto(lines: Record<string, unknown>[]) {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
        done();
      },
    });
    return pino({ level: 'debug' }, sink);
  }

  it('gets the message as msg and the fields as fields, not as format arguments', async () => {
    const lines: Record<string, unknown>[] = [];
    const receiver = createReceiver({ secret: SECRET, logger: pinoInto(lines) });
    const res = await receiver.handle(request(wrong));
    expect(res.status).toBe(401);
    const refusal = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('refused delivery'));
    expect(refusal).toMatchObject({ level: 40, status: 401, code: 'invalid_signature' });
    expect(refusal?.msg).toContain('#troubleshooting-signature-failures');
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it('works as a child logger, and for handler logs through context.logger', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pinoInto(lines).child({ component: 'webhooks' });
    const receiver = createReceiver({
      secret: SECRET,
      logger,
      handlers: { 'call.complete': (_event, { logger: log }) => log.info('stored call', { callId: 1 }) },
    });
    expect((await receiver.handle(request(signed))).status).toBe(200);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, msg: 'stored call', callId: 1, component: 'webhooks' }));
  });
});

describe('logger: console', () => {
  it('prints the refusal with its fields on stderr (console.warn)', async () => {
    const root = resolve(import.meta.dirname, '..');
    const script = `
      const { createReceiver } = require(${JSON.stringify(join(root, 'dist/index.cjs'))});
      const receiver = createReceiver({ secret: ${JSON.stringify(SECRET)}, logger: console });
      receiver.handle({ method: 'POST', headers: { 'x-thunderphone-signature': ${JSON.stringify(wrong)} }, body: Buffer.from(${JSON.stringify(new TextDecoder().decode(body))}) })
        .then((res) => console.log(res.status));`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(stdout.trim()).toBe('401');
    expect(stderr).toContain('refused delivery: signature does not match the body for the configured secret (see README#troubleshooting-signature-failures)');
    expect(stderr).toMatch(/status: 401/);
    expect(stderr).toMatch(/code: 'invalid_signature'/);
  });
});

describe('logger: any {debug, info, warn, error} object', () => {
  it('gets (message, fields)', async () => {
    const calls: unknown[][] = [];
    const record = (...args: unknown[]) => void calls.push(args);
    const receiver = createReceiver({ secret: SECRET, logger: { debug: record, info: record, warn: record, error: record } });
    await receiver.handle(request(wrong));
    expect(calls).toContainEqual([expect.stringMatching(/^refused delivery: /), { status: 401, code: 'invalid_signature' }]);
  });
});

// `serve --dedupe redis://...` in-process, against a real redis-server.
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, startRedisServer, type RedisServer } from './support/redis-server.js';
import { serveInProcess } from './support/serve-in-process.js';

const SECRET = 'whsec_serve_redis_secret';
const complete = (id: string) =>
  `{"data":{"call_id":777,"from_number":"+14155550199","to_number":"+15551234567"},"event_id":"${id}","type":"call.complete"}`;

async function deliver(url: string, body: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-thunderphone-signature': createHmac('sha256', SECRET).update(body).digest('hex') },
    body,
  });
  return { status: res.status, body: await res.text() };
}

function inProcess(args: string[]) {
  return serveInProcess(args, { secret: SECRET, startTimeoutMs: 10000 });
}

describeWithRedis('serve --dedupe redis://', () => {
  let redis: RedisServer;
  let raw: Redis;

  beforeAll(async () => {
    redis = await startRedisServer({ password: 'redis-pw-not-for-logs' });
    raw = new Redis(`redis://:redis-pw-not-for-logs@127.0.0.1:${redis.port}/0`);
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  it('keeps its keys in that Redis: two servers on it handle an event once, and no line names the password', async () => {
    const url = `redis://:redis-pw-not-for-logs@127.0.0.1:${redis.port}/0`;
    const a = inProcess(['--dedupe', url]);
    const b = inProcess(['--dedupe', url]);
    const [urlA, urlB] = await Promise.all([a.url(), b.url()]);
    expect(a.io.err).toMatch(new RegExp(`^dedupe: shared by every instance using Redis at redis://127\\.0\\.0\\.1:${redis.port}/0; `, 'm'));

    expect(await deliver(urlA, complete('evt_redis_1'))).toEqual({ status: 200, body: '{"ok":true}' });
    expect(await deliver(urlB, complete('evt_redis_1'))).toEqual({ status: 200, body: '{"ok":true,"duplicate":true}' });
    expect(await raw.get('thunderphone-webhooks:dedupe:evt_redis_1')).toBe('done');
    const ttl = await raw.pttl('thunderphone-webhooks:dedupe:evt_redis_1');
    expect(ttl).toBeGreaterThan(24 * 3600_000 - 60_000);
    // Printed (handled) by the first server only.
    expect(a.io.out).toBe(`${complete('evt_redis_1')}\n`);
    expect(b.io.out).toBe('');

    a.stop();
    b.stop();
    expect(await a.done).toBe(0);
    expect(await b.done).toBe(0);
    expect(a.io.err + b.io.err).not.toContain('redis-pw-not-for-logs');
  });

  it('starts while Redis is away, with a warning; answers 503 until Redis is back, then handles the event', async () => {
    const away = await startRedisServer();
    await away.stop();
    const s = inProcess(['--dedupe', away.url, '--dedupe-lease-ms', '5000']);
    const url = await s.url();
    expect(s.io.err).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+\/0 does not answer yet .*non-blocking events get 503/);
    const refused = await deliver(url, complete('evt_redis_2'));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error).toBe('dedupe_unavailable');
    expect(s.io.out).toBe('');

    await away.restart();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i += 1) {
      status = (await deliver(url, complete('evt_redis_2'))).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect(s.io.out).toBe(`${complete('evt_redis_2')}\n`);
    s.stop();
    expect(await s.done).toBe(0);
    await away.stop();
  });
});

it('refuses --dedupe-lease-ms without --dedupe, or with a value that is not a duration', async () => {
  const alone = inProcess(['--dedupe-lease-ms', '1000']);
  expect(await alone.done).toBe(2);
  expect(alone.io.err).toBe('thunderphone-webhooks serve: --dedupe-lease-ms needs --dedupe (see --help)\n');
  const bad = inProcess(['--dedupe', 'memory', '--dedupe-lease-ms', '0']);
  expect(await bad.done).toBe(2);
  expect(bad.io.err).toMatch(/^thunderphone-webhooks serve: --dedupe-lease-ms must be a number of milliseconds from 1 to 2147483647, got "0" \(see --help\)\n$/);
});

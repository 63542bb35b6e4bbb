import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisDedupeStore, type RedisDedupeStore } from '../src/redis/index.js';
import { describeDedupeStoreContract } from './support/dedupe-store-contract.js';
import { recordingLogger } from './support/node-requests.js';
import { describeWithRedis, freePort, startRedisServer, type RedisServer } from './support/redis-server.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describeWithRedis('redisDedupeStore against a real redis-server', () => {
  let server: RedisServer;
  let raw: Redis; // reads what the store wrote, independently of it
  const stores: RedisDedupeStore[] = [];
  let n = 0;
  const fresh = () => `key-${process.pid}-${(n += 1)}`;
  const open = (options: Parameters<typeof redisDedupeStore>[0] = {}) => {
    const store = redisDedupeStore({ url: server.url, ...options });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url);
  });

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    raw?.disconnect();
    await server?.stop();
  });

  // The semantics every store shares with memoryDedupeStore.
  describeDedupeStoreContract('redis', () => redisDedupeStore({ url: server.url, prefix: 'contract:' }));

  it('claims a free key once, then answers in-flight, then done after complete, with the TTL', async () => {
    const store = open({ prefix: 'p1:' });
    const key = fresh();
    const first = await store.claim(key, 5000);
    expect(first.status).toBe('claimed');
    const token = (first as { token: string }).token;
    expect(await raw.get(`p1:${key}`)).toBe(token);
    const lease = await raw.pttl(`p1:${key}`);
    expect(lease).toBeGreaterThan(0);
    expect(lease).toBeLessThanOrEqual(5000);

    expect(await store.claim(key, 5000)).toEqual({ status: 'in-flight' });
    await store.complete(key, token, DAY_MS);
    expect(await store.claim(key, 5000)).toEqual({ status: 'done' });
    const ttl = await raw.pttl(`p1:${key}`);
    expect(ttl).toBeGreaterThan(DAY_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(DAY_MS);
  });

  it('release frees the key so the retry claims it with a new token', async () => {
    const store = open();
    const key = fresh();
    const first = (await store.claim(key, 5000)) as { status: 'claimed'; token: string };
    await store.release(key, first.token);
    expect(await raw.exists(`thunderphone-webhooks:dedupe:${key}`)).toBe(0);
    const second = (await store.claim(key, 5000)) as { status: 'claimed'; token: string };
    expect(second.status).toBe('claimed');
    expect(second.token).not.toBe(first.token);
  });

  it('a caller whose lease ran out cannot renew, complete or release the claim another caller took since', async () => {
    const a = open({ prefix: 'p2:' });
    const b = open({ prefix: 'p2:' });
    const key = fresh();
    const stale = (await a.claim(key, 50)) as { token: string };
    while ((await raw.exists(`p2:${key}`)) === 1) await new Promise((r) => setTimeout(r, 10));
    const current = (await b.claim(key, 10_000)) as { status: string; token: string };
    expect(current.status).toBe('claimed');

    expect(await a.renew(key, stale.token, 60_000)).toBe(false);
    await a.complete(key, stale.token, DAY_MS);
    await a.release(key, stale.token);
    expect(await raw.get(`p2:${key}`)).toBe(current.token);
    expect(await raw.pttl(`p2:${key}`)).toBeLessThanOrEqual(10_000);

    expect(await b.renew(key, current.token, 60_000)).toBe(true);
    expect(await raw.pttl(`p2:${key}`)).toBeGreaterThan(10_000);
    await b.complete(key, current.token, DAY_MS);
    expect(await a.claim(key, 1000)).toEqual({ status: 'done' });
  });

  it('an expired lease frees the key: a caller that died never renews, and the next claim wins', async () => {
    const store = open();
    const key = fresh();
    expect((await store.claim(key, 100)).status).toBe('claimed');
    expect((await store.claim(key, 100)).status).toBe('in-flight');
    await new Promise((r) => setTimeout(r, 250));
    expect((await store.claim(key, 100)).status).toBe('claimed');
  });

  it('of many concurrent claims from separate connections, exactly one per key wins', async () => {
    const racers = Array.from({ length: 6 }, () => open({ prefix: 'race:' }));
    const keys = Array.from({ length: 150 }, fresh);
    const results = await Promise.all(keys.flatMap((key) => racers.map(async (store) => ({ key, claim: await store.claim(key, 10_000) }))));
    for (const key of keys) {
      const statuses = results.filter((r) => r.key === key).map((r) => r.claim.status);
      expect(statuses.filter((s) => s === 'claimed')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'in-flight')).toHaveLength(racers.length - 1);
    }
  });

  it('keeps done keys for ttlSeconds, and tells the receiver so through ttlMs (24 h by default)', async () => {
    expect(open().ttlMs).toBe(DAY_MS);
    const store = open({ prefix: 'p3:', ttlSeconds: 2 });
    expect(store.ttlMs).toBe(2000);
    const key = fresh();
    const claim = (await store.claim(key, 60_000)) as { token: string };
    await store.complete(key, claim.token, store.ttlMs);
    const ttl = await raw.pttl(`p3:${key}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2000);
  });

  it('prefixes keep stores apart', async () => {
    const one = open({ prefix: 'app-one:' });
    const two = open({ prefix: 'app-two:' });
    const key = fresh();
    expect((await one.claim(key, 5000)).status).toBe('claimed');
    expect((await two.claim(key, 5000)).status).toBe('claimed');
  });

  it('uses a client you pass, and leaves it open on close()', async () => {
    const client = new Redis(server.url);
    try {
      const store = redisDedupeStore({ client, prefix: 'own:' });
      const key = fresh();
      const claim = (await store.claim(key, 5000)) as { token: string };
      await store.complete(key, claim.token, 60_000);
      expect(await raw.get(`own:${key}`)).toBe('done');
      await store.close();
      expect(await client.ping()).toBe('PONG');
      await expect(store.claim(fresh(), 1000)).rejects.toThrow(/closed/);
    } finally {
      client.disconnect();
    }
  });

  it('loads its scripts again after Redis forgets them (SCRIPT FLUSH, a restart)', async () => {
    const store = open();
    const key = fresh();
    const first = (await store.claim(key, 5000)) as { token: string };
    await store.release(key, first.token);
    await raw.script('FLUSH');
    const second = (await store.claim(key, 5000)) as { token: string };
    expect(await store.renew(key, second.token, 5000)).toBe(true);
    await store.complete(key, second.token, 60_000);
    expect(await store.claim(key, 5000)).toEqual({ status: 'done' });
  });

  it('marks a claim done once Redis is back, when the handler finished while Redis was away', async () => {
    const persistent = await startRedisServer({ persist: true });
    const store = redisDedupeStore({ url: persistent.url, commandTimeoutMs: 300 });
    const once = redisDedupeStore({ url: persistent.url, commandTimeoutMs: 300, completeRetryMs: 0 });
    stores.push(store, once);
    try {
      const key = fresh();
      const other = fresh();
      const claim = (await store.claim(key, 20_000)) as { token: string };
      const otherClaim = (await once.claim(other, 20_000)) as { token: string };
      await persistent.stop();
      const completing = store.complete(key, claim.token, DAY_MS);
      // Without retries the same call fails at once.
      await expect(once.complete(other, otherClaim.token, DAY_MS)).rejects.toThrow(/no answer/);
      await new Promise((r) => setTimeout(r, 700));
      await persistent.restart();
      await completing;
      const check = new Redis(persistent.url);
      try {
        expect(await check.get(`thunderphone-webhooks:dedupe:${key}`)).toBe('done');
        expect(await check.get(`thunderphone-webhooks:dedupe:${other}`)).toBe(otherClaim.token);
      } finally {
        check.disconnect();
      }
    } finally {
      await store.close();
      await once.close();
      await persistent.stop();
    }
  });

  it('does not retry what Redis refused: a key of another type fails complete at once', async () => {
    const store = open({ prefix: 'wrongtype:' });
    const key = fresh();
    await raw.lpush(`wrongtype:${key}`, 'not a dedupe key');
    const started = Date.now();
    await expect(store.complete(key, 'some-token', 60_000)).rejects.toThrow(/WRONGTYPE/);
    // completeRetryMs is 30 s: a retried refusal would still be waiting.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('while Redis is away, every operation fails within its bound, names no password, and works again once Redis is back', async () => {
    const down = await startRedisServer({ password: 'hunter2-redis-password' });
    await down.stop();
    const logger = recordingLogger();
    const url = `redis://:hunter2-redis-password@127.0.0.1:${down.port}/0`;
    const store = redisDedupeStore({ url, commandTimeoutMs: 300, logger });
    stores.push(store);
    try {
      const started = Date.now();
      const refusedKey = fresh();
      const failure = await store.claim(refusedKey, 60_000).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(failure?.message).toMatch(/no answer|did not answer/);
      expect(failure?.message).toMatch(/ECONNREFUSED/);
      expect(failure?.message).not.toContain('hunter2');
      await expect(store.ping()).rejects.toThrow();
      expect(logger.text()).toMatch(/lost connection to Redis at redis:\/\/127\.0\.0\.1:\d+\/0/);
      expect(logger.text()).not.toContain('hunter2');
      expect(logger.lines.filter((l) => l.message.startsWith('lost connection'))).toHaveLength(1);

      await down.restart();
      let claimed: string | undefined;
      for (let i = 0; i < 100 && claimed === undefined; i += 1) {
        claimed = await store.claim(fresh(), 1000).then(
          (c) => c.status,
          () => undefined,
        );
        if (claimed === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(claimed).toBe('claimed');
      expect(logger.text()).toMatch(/reconnected to Redis/);
      // The claim that failed was not sent late, once Redis was back: its key is free.
      expect((await store.claim(refusedKey, 1000)).status).toBe('claimed');
    } finally {
      await store.close();
      await down.stop();
    }
  });
});

it('refuses unclear options with one line that names the fix', async () => {
  expect(() => redisDedupeStore({})).toThrow(/pass \{ url: "redis:\/\/HOST:PORT\/DB" \} or \{ client \}/);
  expect(() => redisDedupeStore({ url: 'redis://127.0.0.1:6379/0', client: {} as never })).toThrow(/either client or url/);
  expect(() => redisDedupeStore({ url: 'http://127.0.0.1:6379' })).toThrow(/must start with redis:\/\/ or rediss:\/\//);
  expect(() => redisDedupeStore({ url: 'redis://127.0.0.1:6379/zero' })).toThrow(/not a number/);
  expect(() => redisDedupeStore({ url: 'not a url' })).toThrow(/not a URL/);
  expect(() => redisDedupeStore({ url: 'redis://127.0.0.1:6379', ttlSeconds: 0 })).toThrow(/ttlSeconds must be a positive number/);
  expect(() => redisDedupeStore({ url: 'redis://127.0.0.1:6379', ttlSeconds: Number.NaN })).toThrow(/ttlSeconds/);
  expect(() => redisDedupeStore({ url: 'redis://127.0.0.1:6379', completeRetryMs: -1 })).toThrow(/completeRetryMs/);
  expect(() => redisDedupeStore({ client: { set: 1 } as never })).toThrow(/ioredis client/);
  // Nothing connects until the store is used, so building one with no Redis around is fine.
  const idle = redisDedupeStore({ url: `redis://127.0.0.1:${await freePort()}/0` });
  await idle.close();
});

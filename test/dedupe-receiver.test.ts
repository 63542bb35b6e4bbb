// Deduplication through every adapter: one run per event key, 409 for a duplicate in flight,
// a release on failure so the retry runs, and the store-error policy.
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createReceiver,
  memoryDedupeStore,
  thunderphoneMiddleware,
  type DedupeClaim,
  type DedupeStore,
  type ReceiverOptions,
} from '../src/index.js';
import { createWebHandler } from '../src/web/index.js';
import { thunderphonePlugin } from '../src/fastify/index.js';
import { thunderphoneKoa } from '../src/koa/index.js';
import { COMPLETE, INCOMING, SECRET, close, hmac, listen, rawRequest, recordingLogger } from './support/node-requests.js';

const PATH = '/thunderphone-webhook';
const CONFIG = { prompt: 'You are the front desk.', voice: 'en-US-James1' };

interface Reply {
  status: number;
  retryAfter: string | undefined;
  text: string;
}
interface Driver {
  send(body: string, signature?: string): Promise<Reply>;
  close(): Promise<void>;
}
type Build = (options: ReceiverOptions) => Promise<Driver>;

async function overHttp(server: http.Server): Promise<Driver> {
  const base = await listen(server);
  return {
    send: async (body, signature = hmac(body)) => {
      const res = await rawRequest(base, {
        path: PATH,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-thunderphone-signature': signature },
        chunks: [body],
        timeoutMs: 10_000,
      });
      return { status: res.status, retryAfter: res.headers['retry-after'] as string | undefined, text: res.text };
    },
    close: () => close(server),
  };
}

const DRIVERS: Record<string, Build> = {
  express: (options) => {
    const app = express();
    app.post(PATH, thunderphoneMiddleware(options));
    return overHttp(http.createServer(app));
  },
  'node:http': (options) => overHttp(http.createServer(thunderphoneMiddleware({ ...options, path: PATH }))),
  koa: (options) => {
    const app = new Koa();
    app.use(thunderphoneKoa({ ...options, path: PATH }));
    return overHttp(http.createServer(app.callback()));
  },
  fastify: async (options) => {
    const app = Fastify();
    await app.register(thunderphonePlugin, { ...options, path: PATH });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    return {
      send: (body) => overHttpSend(`http://127.0.0.1:${port}`, body),
      close: () => app.close(),
    };
  },
  web: async (options) => {
    const handle = createWebHandler(options);
    return {
      send: async (body) => {
        const res = await handle(new Request(`http://localhost${PATH}`, { method: 'POST', headers: { 'x-thunderphone-signature': hmac(body) }, body }));
        return { status: res.status, retryAfter: res.headers.get('retry-after') ?? undefined, text: await res.text() };
      },
      close: async () => {},
    };
  },
};

async function overHttpSend(base: string, body: string): Promise<Reply> {
  const res = await rawRequest(base, {
    path: PATH,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-thunderphone-signature': hmac(body) },
    chunks: [body],
    timeoutMs: 10_000,
  });
  return { status: res.status, retryAfter: res.headers['retry-after'] as string | undefined, text: res.text };
}

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A store whose every call fails, as a Redis that is down would. */
const brokenStore: DedupeStore = {
  claim: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
  renew: async () => Promise.reject(new Error('down')),
  complete: async () => Promise.reject(new Error('down')),
  release: async () => Promise.reject(new Error('down')),
};

const drivers: Driver[] = [];
const stores: DedupeStore[] = [];
let logger = recordingLogger();
afterEach(async () => {
  expect(logger.text()).not.toContain(SECRET);
  logger = recordingLogger();
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(stores.splice(0).map((s) => s.close?.()));
});

async function start(name: string, options: Omit<ReceiverOptions, 'secret' | 'logger'>): Promise<Driver> {
  const driver = await (DRIVERS[name] as Build)({ secret: SECRET, logger, ...options });
  drivers.push(driver);
  return driver;
}

function store() {
  const s = memoryDedupeStore();
  stores.push(s);
  return s;
}

describe.each(Object.keys(DRIVERS))('dedupe through %s', (name) => {
  it('runs the handler once for concurrent duplicates; the others get 409 with Retry-After', async () => {
    const g = gate();
    let runs = 0;
    const driver = await start(name, {
      dedupe: store(),
      handlers: {
        'call.complete': async () => {
          runs++;
          await g.opened;
        },
      },
    });
    const first = driver.send(COMPLETE);
    await until(() => runs === 1, 'the first run');
    const others = await Promise.all(Array.from({ length: 6 }, () => driver.send(COMPLETE)));
    for (const reply of others) {
      expect(reply.status).toBe(409);
      expect(JSON.parse(reply.text).error).toBe('duplicate_in_flight');
      expect(Number(reply.retryAfter)).toBeGreaterThan(0);
    }
    g.open();
    expect((await first).status).toBe(200);
    const again = await driver.send(COMPLETE);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ ok: true, duplicate: true });
    expect(runs).toBe(1);
  });

  it('releases the key when the handler fails, so the retry runs; then it is done', async () => {
    let runs = 0;
    const driver = await start(name, {
      dedupe: store(),
      handlers: {
        'call.complete': () => {
          runs++;
          if (runs === 1) throw new Error('database is down');
        },
      },
    });
    expect((await driver.send(COMPLETE)).status).toBe(500);
    expect((await driver.send(COMPLETE)).status).toBe(200);
    expect(JSON.parse((await driver.send(COMPLETE)).text)).toEqual({ ok: true, duplicate: true });
    expect(runs).toBe(2);
  });

  it('answers a duplicate blocking event {} without running the handler again', async () => {
    let runs = 0;
    const driver = await start(name, { dedupe: store(), handlers: { 'call.incoming': () => (runs++, CONFIG) } });
    const first = await driver.send(INCOMING);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual(CONFIG);
    const again = await driver.send(INCOMING);
    expect(again.status).toBe(200);
    expect(again.text).toBe('{}');
    expect(runs).toBe(1);
  });

  it('on a store error answers blocking events (dedupe skipped, warned) and gives the rest 503', async () => {
    let runs = 0;
    const driver = await start(name, {
      dedupe: brokenStore,
      handlers: { 'call.incoming': () => (runs++, CONFIG), 'call.complete': () => void runs++ },
    });
    const blocking = await driver.send(INCOMING);
    expect(blocking.status).toBe(200);
    expect(JSON.parse(blocking.text)).toEqual(CONFIG);
    expect(runs).toBe(1);
    const other = await driver.send(COMPLETE);
    expect(other.status).toBe(503);
    expect(JSON.parse(other.text).error).toBe('dedupe_unavailable');
    expect(Number(other.retryAfter)).toBeGreaterThan(0);
    expect(runs).toBe(1);
    const warnings = logger.lines.filter((l) => l.level === 'warn' && l.message.includes('dedupe store unavailable'));
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('answering call.incoming without deduplication'),
      expect.stringContaining('answered call.complete with 503'),
    ]);
    expect(warnings[0]?.message).toContain('ECONNREFUSED');
  });
});

// The rest goes through the core once: the adapters above only move its bytes.
describe('dedupe in the core', () => {
  const node = (options: Omit<ReceiverOptions, 'secret' | 'logger'>) => start('node:http', options);

  it('keeps the claim of a handler past its timeout, and marks it done when it succeeds late', async () => {
    const g = gate();
    let runs = 0;
    const s = store();
    const driver = await node({
      dedupe: s,
      handlerTimeoutMs: 100,
      handlers: {
        'call.complete': async () => {
          runs++;
          await g.opened;
        },
      },
    });
    expect((await driver.send(COMPLETE)).status).toBe(503);
    // Still running: a retry now must not run beside it.
    expect((await driver.send(COMPLETE)).status).toBe(409);
    g.open();
    await until(() => s.size === 1 && runs === 1, 'the late run');
    let reply = await driver.send(COMPLETE);
    for (let i = 0; reply.status !== 200 && i < 100; i++) {
      await sleep(20);
      reply = await driver.send(COMPLETE);
    }
    expect(JSON.parse(reply.text)).toEqual({ ok: true, duplicate: true });
    expect(runs).toBe(1);
  });

  it('releases a timed-out claim when the late handler fails, so the retry runs', async () => {
    const g = gate();
    let runs = 0;
    const driver = await node({
      dedupe: store(),
      handlerTimeoutMs: 100,
      onError: () => {},
      handlers: {
        'call.complete': async () => {
          runs++;
          if (runs === 1) {
            await g.opened;
            throw new Error('late failure');
          }
        },
      },
    });
    expect((await driver.send(COMPLETE)).status).toBe(503);
    g.open();
    let reply = await driver.send(COMPLETE);
    for (let i = 0; reply.status === 409 && i < 100; i++) {
      await sleep(20);
      reply = await driver.send(COMPLETE);
    }
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ ok: true });
    expect(runs).toBe(2);
  });

  it('renews the lease while the handler runs, with its own token', async () => {
    const inner = store();
    const renewals: { key: string; token: string; leaseMs: number }[] = [];
    let claimedToken = '';
    const watched: DedupeStore = {
      claim: async (key, leaseMs) => {
        const claim = await inner.claim(key, leaseMs);
        if (claim.status === 'claimed') claimedToken = claim.token;
        return claim;
      },
      renew: async (key, token, leaseMs) => (renewals.push({ key, token, leaseMs }), inner.renew(key, token, leaseMs)),
      complete: (key, token, ttlMs) => inner.complete(key, token, ttlMs),
      release: (key, token) => inner.release(key, token),
    };
    const driver = await node({
      dedupe: { store: watched, leaseMs: 60 },
      handlers: { 'call.complete': () => until(() => renewals.length >= 2, 'two renewals') },
    });
    expect((await driver.send(COMPLETE)).status).toBe(200);
    expect(renewals[0]).toEqual({ key: 'evt_1', token: claimedToken, leaseMs: 60 });
    const count = renewals.length;
    await sleep(150);
    // Renewal stopped with the handler.
    expect(renewals.length).toBe(count);
    expect(await inner.claim('evt_1', 1000)).toEqual({ status: 'done' });
  });

  it('warns once when a renewal finds the claim lost, and still answers', async () => {
    let renewals = 0;
    const losing: DedupeStore = { ...bind(store()), renew: async () => (renewals++, false) };
    const driver = await node({
      dedupe: { store: losing, leaseMs: 30 },
      handlers: { 'call.complete': () => until(() => renewals >= 3, 'three renewals') },
    });
    expect((await driver.send(COMPLETE)).status).toBe(200);
    expect(logger.lines.filter((l) => l.message.includes('lost the dedupe claim'))).toHaveLength(1);
  });

  it('passes the store its own TTL when marking done', async () => {
    const completes: number[] = [];
    const inner = memoryDedupeStore({ ttlMs: 60_000 });
    stores.push(inner);
    const driver = await node({
      dedupe: { ...bind(inner), ttlMs: 60_000, complete: (k: string, t: string, ttl: number) => (completes.push(ttl), inner.complete(k, t, ttl)) },
      handlers: { 'call.complete': () => {} },
    });
    expect((await driver.send(COMPLETE)).status).toBe(200);
    expect(completes).toEqual([60_000]);
  });

  it('answers a blocking event in time when the store hangs, and a non-blocking one 503 after dedupe.timeoutMs', async () => {
    const hanging: DedupeStore = { ...bind(store()), claim: () => new Promise<DedupeClaim>(() => {}) };
    let runs = 0;
    const driver = await node({
      deadlineMs: 1500,
      dedupe: { store: hanging, timeoutMs: 200 },
      handlers: { 'call.incoming': () => (runs++, CONFIG), 'call.complete': () => void runs++ },
    });
    const started = Date.now();
    const blocking = await driver.send(INCOMING);
    expect(JSON.parse(blocking.text)).toEqual(CONFIG);
    expect(Date.now() - started).toBeLessThan(1500);
    const other = await driver.send(COMPLETE);
    expect(other.status).toBe(503);
    expect(runs).toBe(1);
  });

  it('releases a claim that the store grants only after giving up on it', async () => {
    const inner = store();
    const slow: DedupeStore = { ...bind(inner), claim: async (key, leaseMs) => (await sleep(150), inner.claim(key, leaseMs)) };
    const driver = await node({ dedupe: { store: slow, timeoutMs: 50 }, handlers: { 'call.complete': () => {} } });
    expect((await driver.send(COMPLETE)).status).toBe(503);
    await sleep(300);
    expect((await inner.claim('evt_1', 1000)).status).toBe('claimed');
  });

  it('still acknowledges a handled event when marking it done fails, and warns', async () => {
    const failingComplete: DedupeStore = { ...bind(store()), complete: async () => Promise.reject(new Error('READONLY')) };
    const driver = await node({ dedupe: failingComplete, handlers: { 'call.complete': () => {} } });
    expect((await driver.send(COMPLETE)).status).toBe(200);
    expect(logger.text()).toContain('could not mark call.complete as handled');
  });

  it('uses a key function when given; undefined means no dedupe for that event', async () => {
    let runs = 0;
    const keys: string[] = [];
    const driver = await node({
      dedupe: {
        store: store(),
        key: (event) => (event.type === 'call.complete' ? undefined : (keys.push(event.type), `mine:${event.type}`)),
      },
      handlers: { 'call.complete': () => void runs++, 'call.incoming': () => (runs++, CONFIG) },
    });
    await driver.send(COMPLETE);
    await driver.send(COMPLETE);
    expect(runs).toBe(2);
    await driver.send(INCOMING);
    expect((await driver.send(INCOMING)).text).toBe('{}');
    expect(runs).toBe(3);
    expect(keys).toEqual(['call.incoming', 'call.incoming']);
  });

  it('handles the event without dedupe when the key function throws or returns a non-string', async () => {
    let runs = 0;
    const driver = await node({
      dedupe: {
        store: store(),
        key: (event) => {
          if (event.type === 'call.complete') return 42 as unknown as string;
          throw new Error('no key for this one');
        },
      },
      handlers: { 'call.complete': () => void runs++, 'call.incoming': () => (runs++, CONFIG) },
    });
    expect((await driver.send(COMPLETE)).status).toBe(200);
    expect((await driver.send(COMPLETE)).status).toBe(200);
    expect(JSON.parse((await driver.send(INCOMING)).text)).toEqual(CONFIG);
    expect(runs).toBe(3);
    expect(logger.text()).toContain('returned a number');
    expect(logger.text()).toContain('dedupe key function threw');
  });

  it('claims only after verification: a forged copy neither runs nor takes the key', async () => {
    const claims: string[] = [];
    const inner = store();
    let runs = 0;
    const driver = await node({ dedupe: { ...bind(inner), claim: (k: string, l: number) => (claims.push(k), inner.claim(k, l)) }, handlers: { 'call.complete': () => void runs++ } });
    expect((await driver.send(COMPLETE, hmac(COMPLETE, 'whsec_attacker'))).status).toBe(401);
    expect(claims).toEqual([]);
    expect((await driver.send(COMPLETE)).status).toBe(200);
    expect(runs).toBe(1);
    expect(claims).toEqual(['evt_1']);
  });

  it('does not touch the store for an event without a handler', async () => {
    const claims: string[] = [];
    const inner = store();
    const driver = await node({ dedupe: { ...bind(inner), claim: (k: string, l: number) => (claims.push(k), inner.claim(k, l)) }, handlers: {} });
    expect((await driver.send(COMPLETE)).status).toBe(202);
    expect(claims).toEqual([]);
  });

  it('refuses a dedupe option that is not a store, at start-up', () => {
    expect(() => createReceiver({ secret: SECRET, dedupe: {} as DedupeStore })).toThrow(/dedupe needs a store/);
    expect(() => createReceiver({ secret: SECRET, dedupe: { store: store(), leaseMs: 0 } })).toThrow(/dedupe.leaseMs/);
    expect(() => createReceiver({ secret: SECRET, dedupe: { store: store(), key: 'event_id' as never } })).toThrow(/dedupe.key/);
    expect(() => createReceiver({ secret: SECRET, dedupe: { ...bind(store()), ttlMs: 0 } })).toThrow(/store's ttlMs/);
    const receiver = createReceiver({ secret: SECRET });
    // Beside a ready receiver the option would be ignored: refused like the other receiver options.
    expect(() => thunderphoneKoa({ receiver, dedupe: store() })).toThrow(/dedupe\), not both/);
  });
});

// The store's methods as plain functions, so a test can replace one of them.
function bind(s: DedupeStore): DedupeStore {
  return {
    claim: (k, l) => s.claim(k, l),
    renew: (k, t, l) => s.renew(k, t, l),
    complete: (k, t, ttl) => s.complete(k, t, ttl),
    release: (k, t) => s.release(k, t),
    ...(s.ttlMs !== undefined ? { ttlMs: s.ttlMs } : {}),
  };
}

describe('dedupe under concurrent re-deliveries', () => {
  it('handles each of 60 events exactly once when 300 copies arrive 30 at a time, retrying every 409', async () => {
    const handled = new Map<string, number>();
    const driver = await start('express', {
      dedupe: store(),
      handlers: {
        'call.complete': async (event) => {
          await sleep(Math.random() * 20);
          handled.set(String(event.event_id), (handled.get(String(event.event_id)) ?? 0) + 1);
        },
      },
    });
    const bodies = Array.from({ length: 300 }, (_, i) => `{"data":{"call_id":${i % 60}},"event_id":"evt_${i % 60}","type":"call.complete"}`);
    const statuses: number[] = [];
    const sendUntilAcknowledged = async (body: string) => {
      for (;;) {
        const reply = await driver.send(body);
        statuses.push(reply.status);
        if (reply.status === 200) return;
        expect(reply.status).toBe(409);
        await sleep(10);
      }
    };
    let next = 0;
    await Promise.all(Array.from({ length: 30 }, async () => {
      while (next < bodies.length) await sendUntilAcknowledged(bodies[next++] as string);
    }));
    expect(handled.size).toBe(60);
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
  });
});

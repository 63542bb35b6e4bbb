// The semantics every DedupeStore must have, as a suite any store's test file can run:
// `describeDedupeStoreContract('redis', () => redisDedupeStore({...}))`. Real time only, and
// speed-independent: "still in flight" is checked under a long lease, "expired" well after a short one.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { DedupeStore } from '../../src/index.js';

const LONG = 60_000;

export function describeDedupeStoreContract(name: string, make: () => DedupeStore | Promise<DedupeStore>): void {
  describe(`DedupeStore contract: ${name}`, () => {
    const opened: DedupeStore[] = [];
    let n = 0;
    // Keys unique per test, so a shared external store needs no flushing between tests.
    const key = (label: string) => `contract:${process.pid}:${Date.now()}:${++n}:${label}`;
    const open = async () => {
      const store = await make();
      opened.push(store);
      return store;
    };
    const token = async (store: DedupeStore, k: string, leaseMs = LONG) => {
      const claim = await store.claim(k, leaseMs);
      expect(claim.status).toBe('claimed');
      return (claim as { token: string }).token;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close?.()));
    });

    it('grants exactly one of many concurrent claims', async () => {
      const store = await open();
      const k = key('race');
      const claims = await Promise.all(Array.from({ length: 25 }, () => store.claim(k, LONG)));
      expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.status === 'in-flight')).toHaveLength(24);
    });

    it('reports done after complete, and frees the key after release', async () => {
      const store = await open();
      const done = key('done');
      await store.complete(done, await token(store, done), LONG);
      expect(await store.claim(done, LONG)).toEqual({ status: 'done' });
      const freed = key('freed');
      await store.release(freed, await token(store, freed));
      expect((await store.claim(freed, LONG)).status).toBe('claimed');
    });

    it('ignores renew, complete and release with a token that does not own the key', async () => {
      const store = await open();
      const k = key('owner');
      const mine = await token(store, k);
      expect(await store.renew(k, `${mine}-not`, LONG)).toBe(false);
      await store.complete(k, `${mine}-not`, LONG);
      await store.release(k, `${mine}-not`);
      expect(await store.claim(k, LONG)).toEqual({ status: 'in-flight' });
      expect(await store.renew(k, mine, LONG)).toBe(true);
      await store.complete(k, mine, LONG);
      expect(await store.release(k, mine)).toBeUndefined();
      expect(await store.claim(k, LONG)).toEqual({ status: 'done' });
      expect(await store.renew(k, mine, LONG)).toBe(false);
    });

    it('frees a key whose lease ran out; the stale owner can then neither finish nor free it', async () => {
      const store = await open();
      const k = key('lease');
      const stale = await token(store, k, 50);
      await sleep(250);
      const fresh = await token(store, k);
      expect(await store.renew(k, stale, LONG)).toBe(false);
      await store.complete(k, stale, LONG);
      await store.release(k, stale);
      expect(await store.claim(k, LONG)).toEqual({ status: 'in-flight' });
      await store.complete(k, fresh, LONG);
      expect(await store.claim(k, LONG)).toEqual({ status: 'done' });
    });

    it('forgets a done key after the TTL given to complete', async () => {
      const store = await open();
      const k = key('ttl');
      await store.complete(k, await token(store, k), 50);
      await sleep(250);
      expect((await store.claim(k, LONG)).status).toBe('claimed');
    });

    it('keeps keys apart', async () => {
      const store = await open();
      const a = key('a');
      const b = key('b');
      await store.complete(a, await token(store, a), LONG);
      expect((await store.claim(b, LONG)).status).toBe('claimed');
    });
  });
}

import { describe, expect, it } from 'vitest';
import { DEFAULT_DEDUPE_TTL_MS, memoryDedupeStore } from '../src/index.js';
import { describeDedupeStoreContract } from './support/dedupe-store-contract.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function claimed(store: ReturnType<typeof memoryDedupeStore>, key: string, leaseMs = 1000): Promise<string> {
  const claim = await store.claim(key, leaseMs);
  if (claim.status !== 'claimed') throw new Error(`expected a claim on ${key}, got ${claim.status}`);
  return claim.token;
}

describe('memoryDedupeStore', () => {
  it('gives one claim per free key; the others see it in flight, then done after complete', async () => {
    const store = memoryDedupeStore();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.claim('k', 1000)));
    expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'in-flight')).toHaveLength(19);
    const winner = results.find((r) => r.status === 'claimed') as { token: string };
    await store.complete('k', winner.token, 60_000);
    expect(await store.claim('k', 1000)).toEqual({ status: 'done' });
    await store.close();
  });

  it('hands out a distinct token on every claim', async () => {
    const store = memoryDedupeStore();
    const a = await claimed(store, 'a');
    await store.release('a', a);
    const b = await claimed(store, 'a');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    await store.close();
  });

  it('acts on renew, complete and release only with the owner token', async () => {
    const store = memoryDedupeStore();
    const token = await claimed(store, 'k');
    expect(await store.renew('k', 'someone-else', 1000)).toBe(false);
    await store.complete('k', 'someone-else', 60_000);
    expect(await store.claim('k', 1000)).toEqual({ status: 'in-flight' });
    await store.release('k', 'someone-else');
    expect(await store.claim('k', 1000)).toEqual({ status: 'in-flight' });
    expect(await store.renew('k', token, 1000)).toBe(true);
    await store.complete('k', token, 60_000);
    expect(await store.claim('k', 1000)).toEqual({ status: 'done' });
    // Once done, nobody owns the key: the old token can neither renew nor release it.
    expect(await store.renew('k', token, 1000)).toBe(false);
    await store.release('k', token);
    expect(await store.claim('k', 1000)).toEqual({ status: 'done' });
    await store.close();
  });

  it('frees the key on release, so a retry can claim it', async () => {
    const store = memoryDedupeStore();
    const token = await claimed(store, 'k');
    await store.release('k', token);
    expect((await store.claim('k', 1000)).status).toBe('claimed');
    await store.close();
  });

  it('lets a lease run out: the key is free again and the stale owner can no longer finish it', async () => {
    const c = clock();
    const store = memoryDedupeStore({ now: c.now });
    const stale = await claimed(store, 'k', 1000);
    c.advance(999);
    expect(await store.claim('k', 1000)).toEqual({ status: 'in-flight' });
    c.advance(1);
    const fresh = await claimed(store, 'k', 1000);
    expect(await store.renew('k', stale, 1000)).toBe(false);
    await store.complete('k', stale, 60_000);
    await store.release('k', stale);
    expect(await store.claim('k', 1000)).toEqual({ status: 'in-flight' });
    await store.complete('k', fresh, 60_000);
    expect(await store.claim('k', 1000)).toEqual({ status: 'done' });
    await store.close();
  });

  it('extends the lease on renew', async () => {
    const c = clock();
    const store = memoryDedupeStore({ now: c.now });
    const token = await claimed(store, 'k', 1000);
    c.advance(800);
    expect(await store.renew('k', token, 1000)).toBe(true);
    c.advance(800);
    expect(await store.claim('k', 1000)).toEqual({ status: 'in-flight' });
    c.advance(200);
    expect((await store.claim('k', 1000)).status).toBe('claimed');
    await store.close();
  });

  it('keeps a done key for the TTL given to complete, then forgets it', async () => {
    const c = clock();
    const store = memoryDedupeStore({ now: c.now });
    const token = await claimed(store, 'k');
    await store.complete('k', token, 5000);
    c.advance(4999);
    expect(await store.claim('k', 1000)).toEqual({ status: 'done' });
    c.advance(1);
    expect((await store.claim('k', 1000)).status).toBe('claimed');
    await store.close();
  });

  it('has a 24 h TTL by default, and takes another', async () => {
    expect(DEFAULT_DEDUPE_TTL_MS).toBe(24 * 60 * 60 * 1000);
    const byDefault = memoryDedupeStore();
    const custom = memoryDedupeStore({ ttlMs: 60_000 });
    expect(byDefault.ttlMs).toBe(DEFAULT_DEDUPE_TTL_MS);
    expect(custom.ttlMs).toBe(60_000);
    await byDefault.close();
    await custom.close();
  });

  it('holds at most maxEntries keys, forgetting the least recently used first', async () => {
    const store = memoryDedupeStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.complete(key, await claimed(store, key), 60_000);
    // Touch "a": now "b" is the least recently used.
    expect(await store.claim('a', 1000)).toEqual({ status: 'done' });
    await claimed(store, 'd');
    expect(store.size).toBe(3);
    expect((await store.claim('b', 1000)).status).toBe('claimed');
    expect(await store.claim('a', 1000)).toEqual({ status: 'done' });
    await store.close();
  });

  it('stays within maxEntries under 50 000 distinct keys', async () => {
    const store = memoryDedupeStore({ maxEntries: 1000 });
    let most = 0;
    for (let i = 0; i < 50_000; i++) {
      const token = await claimed(store, `call.complete:${i}`);
      if (i % 2 === 0) await store.complete(`call.complete:${i}`, token, 60_000);
      most = Math.max(most, store.size);
    }
    expect(most).toBe(1000);
    expect(store.size).toBe(1000);
    // The newest keys are kept.
    expect(await store.claim('call.complete:49998', 1000)).toEqual({ status: 'done' });
    await store.close();
  });

  it('sweeps expired keys on a timer that does not keep the process alive', async () => {
    const c = clock();
    const store = memoryDedupeStore({ now: c.now, sweepIntervalMs: 20 });
    await claimed(store, 'a', 1000);
    await store.complete('b', await claimed(store, 'b'), 1000);
    expect(store.size).toBe(2);
    c.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(store.size).toBe(0);
    await store.close();
  });

  it('is closed by close(): keys dropped, and later calls reject', async () => {
    const store = memoryDedupeStore();
    await claimed(store, 'k');
    await store.close();
    expect(store.size).toBe(0);
    await expect(store.claim('k', 1000)).rejects.toThrow(/closed/);
  });

  it('refuses bad options at once', () => {
    expect(() => memoryDedupeStore({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => memoryDedupeStore({ maxEntries: 1.5 })).toThrow(/maxEntries/);
    expect(() => memoryDedupeStore({ ttlMs: -1 })).toThrow(/ttlMs/);
    expect(() => memoryDedupeStore({ sweepIntervalMs: Number.NaN })).toThrow(/sweepIntervalMs/);
  });
});

describeDedupeStoreContract('memoryDedupeStore', () => memoryDedupeStore());

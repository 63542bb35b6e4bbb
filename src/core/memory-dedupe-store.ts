import { DEFAULT_DEDUPE_TTL_MS, type DedupeClaim, type DedupeStore } from './dedupe-store.js';
import { MAX_TIMER_MS } from './limits.js';

export interface MemoryDedupeStoreOptions {
  /** The most keys kept; past it the least recently used key is forgotten. Default 100 000. */
  maxEntries?: number | undefined;
  /** How long a `done` key is kept. Default 24 h, ThunderPhone's retry window. */
  ttlMs?: number | undefined;
  /** How often expired keys are swept out. Default 60 s; the timer never keeps the process alive. */
  sweepIntervalMs?: number | undefined;
  /** The clock, for tests. Default `Date.now`. */
  now?: (() => number) | undefined;
}

export interface MemoryDedupeStore extends DedupeStore {
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Keys held now (claimed or done), expired ones not yet swept included. */
  readonly size: number;
  close(): Promise<void>;
}

export const DEFAULT_DEDUPE_MAX_ENTRIES = 100_000;
const DEFAULT_SWEEP_MS = 60_000;

interface Entry {
  /** `undefined` once done: nobody owns a finished key. */
  token: string | undefined;
  expiresAt: number;
}

/**
 * A DedupeStore for one process: a Map in least-recently-used order with a TTL. A claim is atomic
 * because it runs synchronously on the one JavaScript thread. Keys are not shared between
 * processes: several instances behind a load balancer need a shared store (Redis).
 */
export function memoryDedupeStore(options: MemoryDedupeStoreOptions = {}): MemoryDedupeStore {
  const maxEntries = positiveInteger(options.maxEntries, DEFAULT_DEDUPE_MAX_ENTRIES, 'maxEntries');
  const ttlMs = positiveMs(options.ttlMs, DEFAULT_DEDUPE_TTL_MS, 'ttlMs');
  const sweepMs = positiveMs(options.sweepIntervalMs, DEFAULT_SWEEP_MS, 'sweepIntervalMs');
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let closed = false;

  const sweep = () => {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  };
  const timer = setInterval(sweep, sweepMs);
  // Deno and browsers return a number without unref().
  (timer as { unref?: () => void }).unref?.();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  // Re-inserting moves the key to the end, the most recently used place.
  const put = (key: string, entry: Entry) => {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };
  const owned = (key: string, token: string): Entry | undefined => {
    const entry = live(key);
    return entry && entry.token !== undefined && entry.token === token ? entry : undefined;
  };
  const open = () => {
    if (closed) throw new Error('thunderphone-webhooks: the memory dedupe store is closed');
  };

  return {
    ttlMs,
    maxEntries,
    get size() {
      return entries.size;
    },
    async claim(key, leaseMs): Promise<DedupeClaim> {
      open();
      const entry = live(key);
      if (entry) {
        put(key, entry);
        return entry.token === undefined ? { status: 'done' } : { status: 'in-flight' };
      }
      const token = globalThis.crypto.randomUUID();
      put(key, { token, expiresAt: now() + leaseMs });
      return { status: 'claimed', token };
    },
    async renew(key, token, leaseMs) {
      open();
      const entry = owned(key, token);
      if (!entry) return false;
      put(key, { token, expiresAt: now() + leaseMs });
      return true;
    },
    async complete(key, token, doneTtlMs) {
      open();
      if (owned(key, token)) put(key, { token: undefined, expiresAt: now() + doneTtlMs });
    },
    async release(key, token) {
      open();
      if (owned(key, token)) entries.delete(key);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      entries.clear();
    },
  };
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw new TypeError(`thunderphone-webhooks: ${name} must be a positive integer, got ${String(value)}`);
}

function positiveMs(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (Number.isFinite(value) && value > 0 && (name !== 'sweepIntervalMs' || value <= MAX_TIMER_MS)) return value;
  throw new TypeError(`thunderphone-webhooks: ${name} must be a positive number of milliseconds, got ${String(value)}`);
}

import { dedupeKey } from './dedupe-key.js';
import { DEFAULT_DEDUPE_TTL_MS, type DedupeStore } from './dedupe-store.js';
import type { ThunderPhoneEvent } from './event-types.js';
import { parseMilliseconds } from './limits.js';
import { describeError, type Logger } from './logger.js';

export interface DedupeOptions {
  store: DedupeStore;
  /** The key of an event; `undefined` handles it without deduplication. Default: `dedupeKey`. */
  key?: ((event: ThunderPhoneEvent) => string | undefined) | undefined;
  /** How long one attempt's claim lasts unless renewed; renewed every third of it while the handler runs. Default 30 s. */
  leaseMs?: number | undefined;
  /** The longest one store call may take before the store counts as unavailable. Default 1000 ms. */
  timeoutMs?: number | undefined;
}

export const DEFAULT_DEDUPE_LEASE_MS = 30_000;
export const DEFAULT_DEDUPE_TIMEOUT_MS = 1000;
/** Longer keys are not deduplicated: a store should not hold a body's worth of key. */
export const MAX_DEDUPE_KEY_LENGTH = 1024;

export interface ResolvedDedupe {
  store: DedupeStore;
  leaseMs: number;
  timeoutMs: number;
  ttlMs: number;
  /** The user's (or the default) key function, made safe: a throw or a non-string means "no key". */
  keyFor(event: ThunderPhoneEvent): string | undefined;
}

/** Checks the `dedupe` option at start-up: a store, or `{ store, key, leaseMs, timeoutMs }`. */
export function resolveDedupeOptions(given: DedupeOptions | DedupeStore, logger: Logger): ResolvedDedupe {
  const options: DedupeOptions = isStore(given) ? { store: given } : given;
  if (typeof options !== 'object' || options === null || !isStore(options.store)) {
    throw new TypeError('thunderphone-webhooks: dedupe needs a store with claim, renew, complete and release (for example memoryDedupeStore())');
  }
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new TypeError('thunderphone-webhooks: dedupe.key must be a function (event) => string | undefined');
  }
  const keyOf = options.key ?? dedupeKey;
  return {
    store: options.store,
    leaseMs: parseMilliseconds(options.leaseMs, DEFAULT_DEDUPE_LEASE_MS, 'dedupe.leaseMs'),
    timeoutMs: parseMilliseconds(options.timeoutMs, DEFAULT_DEDUPE_TIMEOUT_MS, 'dedupe.timeoutMs'),
    ttlMs: storeTtl(options.store),
    keyFor: (event) => safeKey(keyOf, event, logger),
  };
}

function isStore(value: unknown): value is DedupeStore {
  if (typeof value !== 'object' || value === null) return false;
  const store = value as Record<string, unknown>;
  return ['claim', 'renew', 'complete', 'release'].every((name) => typeof store[name] === 'function');
}

function storeTtl(store: DedupeStore): number {
  const ttl = store.ttlMs;
  if (ttl === undefined) return DEFAULT_DEDUPE_TTL_MS;
  if (Number.isFinite(ttl) && ttl > 0) return ttl;
  throw new TypeError(`thunderphone-webhooks: the dedupe store's ttlMs must be a positive number of milliseconds, got ${String(ttl)}`);
}

function safeKey(keyOf: (event: ThunderPhoneEvent) => string | undefined, event: ThunderPhoneEvent, logger: Logger): string | undefined {
  let key: unknown;
  try {
    key = keyOf(event);
  } catch (error) {
    logger.warn(`dedupe key function threw for ${event.type} (${describeError(error)}); handling it without deduplication`);
    return undefined;
  }
  if (key === undefined || key === '') return undefined;
  if (typeof key !== 'string') {
    logger.warn(`dedupe key function returned a ${typeof key} for ${event.type}, not a string; handling it without deduplication`);
    return undefined;
  }
  if (key.length > MAX_DEDUPE_KEY_LENGTH) {
    logger.warn(`dedupe key for ${event.type} is ${key.length} characters, over ${MAX_DEDUPE_KEY_LENGTH}; handling it without deduplication`);
    return undefined;
  }
  return key;
}

import { dedupeKey } from './dedupe-key.js';
import { DEFAULT_DEDUPE_TTL_MS, type DedupeClaim, type DedupeStore } from './dedupe-store.js';
import type { Dispatch } from './dispatch.js';
import type { ThunderPhoneEvent } from './event-types.js';
import { parseMilliseconds } from './limits.js';
import { ERROR_STATUS, type WebhookErrorCode } from './errors.js';
import { describeError, type Logger } from './logger.js';
import type { AnyHandler } from './receiver-types.js';
import { jsonResponse, type RawResponse } from './response.js';

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
/** What a 503 for an unavailable store suggests; ThunderPhone's backoff may wait longer. */
const STORE_RETRY_AFTER_S = 30;

export interface DedupeRun {
  blocking: boolean;
  /** When the request arrived: a blocking event's store calls must leave the handler time. */
  startedAt: number;
}

/** Runs `answer` at most once per event key, or answers a duplicate without running it. */
export type DedupeGuard = (d: Dispatch, run: DedupeRun, answer: (d: Dispatch) => Promise<RawResponse>) => Promise<RawResponse>;

export function createDedupeGuard(
  given: DedupeOptions | DedupeStore | undefined,
  limits: { logger: Logger; handlerTimeoutMs: number; deadlineMs: number },
): DedupeGuard | undefined {
  if (given === undefined) return undefined;
  const options = resolveDedupeOptions(given);
  const { store, key: keyOf, leaseMs, timeoutMs } = options;
  const { logger, handlerTimeoutMs, deadlineMs } = limits;
  const ttlMs = store.ttlMs ?? DEFAULT_DEDUPE_TTL_MS;
  const inFlightRetryAfter = String(Math.ceil(Math.min(handlerTimeoutMs, leaseMs) / 1000));

  const keyFor = (event: ThunderPhoneEvent): string | undefined => {
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
  };

  return async (d, run, answer) => {
    const handler = d.handler;
    if (!handler) return answer(d);
    const key = keyFor(d.event);
    if (key === undefined) return answer(d);
    const type = d.event.type;

    const budget = run.blocking ? Math.min(timeoutMs, Math.max(0, (deadlineMs - (Date.now() - run.startedAt)) / 2)) : timeoutMs;
    let claim: DedupeClaim;
    try {
      claim = await bounded(attempt(() => store.claim(key, leaseMs)), budget, (late) => {
        if (late.status === 'claimed') attempt(() => store.release(key, late.token)).catch(() => {});
      });
    } catch (error) {
      if (run.blocking) {
        logger.warn(`dedupe store unavailable (${reasonOf(error)}); answering ${type} without deduplication`, { key });
        return answer(d);
      }
      logger.warn(`dedupe store unavailable (${reasonOf(error)}); answered ${type} with 503 so ThunderPhone retries`, { key });
      return refusal('dedupe_unavailable', 'the dedupe store is unavailable; answering 503 so ThunderPhone retries later', STORE_RETRY_AFTER_S);
    }

    if (claim.status !== 'claimed') {
      logger.info(`duplicate ${type} (${claim.status === 'done' ? 'handled already' : 'being handled now'}); the handler was not run`, { key });
      // A blocking reply only counts within ~2 s, and ThunderPhone treats {} and an error alike
      // (the number's static agent answers), so a duplicate blocking event gets the plain {}.
      if (run.blocking) return jsonResponse(200, '{}');
      if (claim.status === 'done') return jsonResponse(200, '{"ok":true,"duplicate":true}');
      return refusal('duplicate_in_flight', 'this event is being handled by another delivery attempt; retry later', inFlightRetryAfter);
    }

    const { token } = claim;
    const renewal = startRenewal(store, key, token, leaseMs, logger);
    const finish = async (ok: boolean): Promise<void> => {
      renewal.stop();
      try {
        await bounded(attempt(() => (ok ? store.complete(key, token, ttlMs) : store.release(key, token))), timeoutMs);
      } catch (error) {
        logger.warn(
          ok
            ? `could not mark ${type} as handled in the dedupe store (${reasonOf(error)}); a re-delivery may run the handler again`
            : `could not release the dedupe claim on ${type} (${reasonOf(error)}); a retry waits until the lease runs out`,
          { key },
        );
      }
    };

    const outcome = track(handler);
    let response: RawResponse;
    try {
      response = await answer({ ...d, handler: outcome.handler });
    } catch (error) {
      renewal.stop();
      void (outcome.settled ?? Promise.resolve(false)).then(finish);
      throw error;
    }
    renewal.stop();
    if (!outcome.invoked) {
      await finish(false);
    } else if (outcome.done !== undefined) {
      // Non-blocking: the 2xx goes out only once the key is done, so a retry sees it. A blocking
      // reply is not held back for the store.
      const finished = finish(outcome.done);
      if (!run.blocking) await finished;
    } else {
      // Past its deadline or timeout and still running: the claim stays (its lease runs out by
      // itself) so a retry cannot run beside it; its late outcome completes or releases it.
      void (outcome.settled as Promise<boolean>).then(finish);
    }
    return response;
  };
}

function resolveDedupeOptions(given: DedupeOptions | DedupeStore): Required<Pick<DedupeOptions, 'store' | 'leaseMs' | 'timeoutMs'>> & {
  key: (event: ThunderPhoneEvent) => string | undefined;
} {
  const options: DedupeOptions = isStore(given) ? { store: given } : given;
  if (typeof options !== 'object' || options === null || !isStore(options.store)) {
    throw new TypeError('thunderphone-webhooks: dedupe needs a store with claim, renew, complete and release (for example memoryDedupeStore())');
  }
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new TypeError('thunderphone-webhooks: dedupe.key must be a function (event) => string | undefined');
  }
  return {
    store: options.store,
    key: options.key ?? dedupeKey,
    leaseMs: parseMilliseconds(options.leaseMs, DEFAULT_DEDUPE_LEASE_MS, 'dedupe.leaseMs'),
    timeoutMs: parseMilliseconds(options.timeoutMs, DEFAULT_DEDUPE_TIMEOUT_MS, 'dedupe.timeoutMs'),
  };
}

function isStore(value: unknown): value is DedupeStore {
  if (typeof value !== 'object' || value === null) return false;
  const store = value as Record<string, unknown>;
  return ['claim', 'renew', 'complete', 'release'].every((name) => typeof store[name] === 'function');
}

interface Tracked {
  handler: AnyHandler;
  invoked: boolean;
  /** Set as soon as the handler's result settles: true when it resolved. */
  done: boolean | undefined;
  settled: Promise<boolean> | undefined;
}

// Watches the handler's own result, whatever the deadline decides about the reply: a handler that
// succeeds after its timeout has still done its work.
function track(handler: AnyHandler): Tracked {
  const tracked: Tracked = {
    invoked: false,
    done: undefined,
    settled: undefined,
    handler: (event, context) => {
      tracked.invoked = true;
      let result: unknown;
      try {
        result = handler(event, context);
      } catch (error) {
        tracked.done = false;
        tracked.settled = Promise.resolve(false);
        throw error;
      }
      tracked.settled = Promise.resolve(result).then(
        () => (tracked.done = true),
        () => (tracked.done = false),
      );
      return result;
    },
  };
  return tracked;
}

function startRenewal(store: DedupeStore, key: string, token: string, leaseMs: number, logger: Logger): { stop(): void } {
  let pending = false;
  let warned = false;
  const warnOnce = (message: string) => {
    if (!warned) logger.warn(message, { key });
    warned = true;
  };
  const timer = setInterval(() => {
    if (pending) return;
    pending = true;
    attempt(() => store.renew(key, token, leaseMs)).then(
      (kept) => {
        pending = false;
        if (!kept) warnOnce('lost the dedupe claim while the handler runs (its lease ran out); another attempt may run too');
      },
      (error: unknown) => {
        pending = false;
        warnOnce(`could not renew the dedupe claim (${reasonOf(error)}); the lease may run out while the handler runs`);
      },
    );
  }, Math.max(1, Math.floor(leaseMs / 3)));
  (timer as { unref?: () => void }).unref?.();
  return { stop: () => clearInterval(timer) };
}

// A store method that throws synchronously counts as a rejection.
function attempt<T>(call: () => Promise<T>): Promise<T> {
  return Promise.resolve().then(call);
}

/** `work`, or a rejection after `ms`; a result that comes later goes to `onLate`. */
function bounded<T>(work: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expired = false;
  return Promise.race([
    Promise.resolve(work).then((value) => {
      if (expired) onLate?.(value);
      return value;
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(new Error(`no answer within ${Math.round(ms)} ms`));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function reasonOf(error: unknown): string {
  try {
    const text = error instanceof Error ? error.message : String(error);
    return text.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
  } catch {
    return 'an error that cannot be printed';
  }
}

function refusal(code: WebhookErrorCode, message: string, retryAfterS: number | string): RawResponse {
  return jsonResponse(ERROR_STATUS[code], JSON.stringify({ error: code, message }), { 'retry-after': String(retryAfterS) });
}

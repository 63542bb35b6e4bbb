import { attempt, bounded, startRenewal, storeReason } from './dedupe-calls.js';
import { resolveDedupeOptions, type DedupeOptions } from './dedupe-options.js';
import type { DedupeClaim, DedupeStore } from './dedupe-store.js';
import { trackHandler } from './dedupe-track.js';
import type { Dispatch } from './dispatch.js';
import { ERROR_STATUS, type WebhookErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { jsonResponse, type RawResponse } from './response.js';

export { DEFAULT_DEDUPE_LEASE_MS, DEFAULT_DEDUPE_TIMEOUT_MS, MAX_DEDUPE_KEY_LENGTH, type DedupeOptions } from './dedupe-options.js';

/** What a 503 for an unavailable store suggests; ThunderPhone's backoff may wait longer. */
const STORE_RETRY_AFTER_S = 30;

export interface DedupeRun {
  blocking: boolean;
  /** When the request arrived: a blocking event's store calls must leave the handler time. */
  startedAt: number;
}

/** Runs `answer` at most once per event key, or answers a duplicate without running it. */
export type DedupeGuard = (d: Dispatch, run: DedupeRun, answer: (d: Dispatch) => Promise<RawResponse>) => Promise<RawResponse>;

/**
 * The dedupe step between parsing and dispatch: claim the event's key, run the handler under the
 * claim (renewed while it runs), then mark the key done on success or release it on failure.
 */
export function createDedupeGuard(
  given: DedupeOptions | DedupeStore | undefined,
  limits: { logger: Logger; handlerTimeoutMs: number; deadlineMs: number },
): DedupeGuard | undefined {
  if (given === undefined) return undefined;
  const { logger, handlerTimeoutMs, deadlineMs } = limits;
  const { store, keyFor, leaseMs, timeoutMs, ttlMs } = resolveDedupeOptions(given, logger);
  // By then the first attempt has finished or given up.
  const inFlightRetryAfter = Math.ceil(Math.min(handlerTimeoutMs, leaseMs) / 1000);

  return async (d, run, answer) => {
    const handler = d.handler;
    if (!handler) return answer(d);
    const key = keyFor(d.event);
    if (key === undefined) return answer(d);
    const type = d.event.type;

    // A blocking event's claim may take at most half of what is left of its deadline.
    const budget = run.blocking ? Math.min(timeoutMs, Math.max(0, (deadlineMs - (Date.now() - run.startedAt)) / 2)) : timeoutMs;
    let claim: DedupeClaim;
    try {
      claim = await bounded(attempt(() => store.claim(key, leaseMs)), budget, (late) => {
        // Granted after we gave up on it: free it rather than leave it to its lease.
        if (late.status === 'claimed') attempt(() => store.release(key, late.token)).catch(() => {});
      });
    } catch (error) {
      if (run.blocking) {
        logger.warn(`dedupe store unavailable (${storeReason(error)}); answering ${type} without deduplication`, { key });
        return answer(d);
      }
      logger.warn(`dedupe store unavailable (${storeReason(error)}); answered ${type} with 503 so ThunderPhone retries`, { key });
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
            ? `could not mark ${type} as handled in the dedupe store (${storeReason(error)}); a re-delivery may run the handler again`
            : `could not release the dedupe claim on ${type} (${storeReason(error)}); a retry waits until the lease runs out`,
          { key },
        );
      }
    };

    const tracked = trackHandler(handler);
    let response: RawResponse;
    try {
      response = await answer({ ...d, handler: tracked.handler });
    } catch (error) {
      renewal.stop();
      void (tracked.settled ?? Promise.resolve(false)).then(finish);
      throw error;
    }
    renewal.stop();
    if (!tracked.invoked) {
      await finish(false);
    } else if (tracked.done !== undefined) {
      // Non-blocking: the 2xx goes out only once the key is done, so a retry sees it. A blocking
      // reply is not held back for the store.
      const finished = finish(tracked.done);
      if (!run.blocking) await finished;
    } else {
      // Past its deadline or timeout and still running: the claim stays (its lease runs out by
      // itself, unrenewed) so a retry cannot run beside it; its late outcome completes or releases it.
      void (tracked.settled as Promise<boolean>).then(finish);
    }
    return response;
  };
}

function refusal(code: WebhookErrorCode, message: string, retryAfterS: number): RawResponse {
  return jsonResponse(ERROR_STATUS[code], JSON.stringify({ error: code, message }), { 'retry-after': String(retryAfterS) });
}

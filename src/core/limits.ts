export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_DEADLINE_MS = 1800;
/** How long an adapter waits for the whole body once the headers are in. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Accepts a byte count or a size such as "512kb" or "1mb" (binary units, as raw-body reads them). */
export function parseByteLimit(limit: number | string | undefined): number {
  if (limit === undefined) return DEFAULT_BODY_LIMIT;
  if (typeof limit === 'number') {
    if (Number.isSafeInteger(limit) && limit > 0) return limit;
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
    if (m) {
      const bytes = Math.floor(Number(m[1]) * (UNITS[(m[2] ?? 'b').toLowerCase()] as number));
      if (bytes > 0) return bytes;
    }
  }
  throw new TypeError(`thunderphone-webhooks: body limit must be a positive byte count or a size like "1mb", got ${JSON.stringify(limit)}`);
}

/** The longest delay a JavaScript timer honours; a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2_147_483_647;

export function parseMilliseconds(ms: number | undefined, fallback: number, name: string): number {
  if (ms === undefined) return fallback;
  if (Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMER_MS) return ms;
  throw new TypeError(
    `thunderphone-webhooks: ${name} must be a positive number of milliseconds up to ${MAX_TIMER_MS} (about 24.8 days), got ${String(ms)}`,
  );
}

export function parseDeadline(ms: number | undefined): number {
  return parseMilliseconds(ms, DEFAULT_DEADLINE_MS, 'deadlineMs');
}

import { isBlockingType } from '../core/event-types.js';

/** How long ThunderPhone waits for the reply to a blocking event before using the static agent. */
export const BLOCKING_WAIT_MS = 2000;
/** How long ThunderPhone waits for any other delivery before counting it as failed. */
export const NON_BLOCKING_WAIT_MS = 30_000;

export function defaultTimeoutMs(type: string | undefined): number {
  return type !== undefined && isBlockingType(type) ? BLOCKING_WAIT_MS : NON_BLOCKING_WAIT_MS;
}

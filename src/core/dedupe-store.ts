/**
 * Where the receiver records which events it has handled, so that a re-delivery of the same event
 * (ThunderPhone delivers at least once) does not run the handler a second time.
 *
 * The protocol, per event key:
 * 1. `claim(key, leaseMs)` atomically takes the key for one attempt. Only one caller, across every
 *    process sharing the store, gets `claimed` while the key is free.
 * 2. While the handler runs, the claimant may `renew` its lease so a slow handler keeps the claim.
 * 3. On success the claimant calls `complete(key, token, ttlMs)`: the key stays `done` for `ttlMs`.
 *    On failure it calls `release(key, token)`, so ThunderPhone's retry runs the handler again.
 * 4. A claimant that dies simply stops renewing: its lease runs out and the key is free again.
 *
 * `complete`, `release` and `renew` act only when `token` still owns the key, so a caller whose lease
 * expired cannot finish or free a claim that another caller has since taken.
 */
export interface DedupeStore {
  claim(key: string, leaseMs: number): Promise<DedupeClaim>;
  /** Extends the caller's lease; resolves false when the caller no longer owns the key. */
  renew(key: string, token: string, leaseMs: number): Promise<boolean>;
  complete(key: string, token: string, ttlMs: number): Promise<void>;
  release(key: string, token: string): Promise<void>;
  /** Frees resources (timers, connections) the store opened itself. */
  close?(): Promise<void>;
  /**
   * How long the store keeps a `done` key. The receiver passes it to `complete`; a store without
   * one gets DEFAULT_DEDUPE_TTL_MS (24 h).
   */
  readonly ttlMs?: number;
}

export type DedupeClaim =
  /** The caller owns the key until its lease runs out; `token` proves it. */
  | { status: 'claimed'; token: string }
  /** Another attempt holds the key right now. */
  | { status: 'in-flight' }
  /** The event was handled already, within the TTL. */
  | { status: 'done' };

/** ThunderPhone retries failed deliveries for up to 24 hours (spec §1.5). */
export const DEFAULT_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;

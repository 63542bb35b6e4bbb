import type { DedupeStore } from './dedupe-store.js';
import type { Logger } from './logger.js';

// How the receiver calls a store it cannot trust to be up: bounded, never throwing synchronously.

/** A store method that throws synchronously counts as a rejection. */
export function attempt<T>(call: () => Promise<T>): Promise<T> {
  return Promise.resolve().then(call);
}

/** `work`, or a rejection after `ms`; a result that comes later goes to `onLate`. */
export function bounded<T>(work: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expired = false;
  return Promise.race([
    work.then((value) => {
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

/** Renews the claim every third of its lease until stopped; warns once if the claim is lost. */
export function startRenewal(store: DedupeStore, key: string, token: string, leaseMs: number, logger: Logger): { stop(): void } {
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
        warnOnce(`could not renew the dedupe claim (${storeReason(error)}); the lease may run out while the handler runs`);
      },
    );
  }, Math.max(1, Math.floor(leaseMs / 3)));
  // Deno and browsers return a number without unref().
  (timer as { unref?: () => void }).unref?.();
  return { stop: () => clearInterval(timer) };
}

/** A store error as a short line for a log: its message, never a stack or a connection object. */
export function storeReason(error: unknown): string {
  try {
    const text = error instanceof Error ? error.message : String(error);
    return text.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
  } catch {
    return 'an error that cannot be printed';
  }
}

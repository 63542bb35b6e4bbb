import { isBlockingType } from '../core/event-types.js';
import type { AnyHandler, HeaderRecord } from '../core/receiver.js';
import { ExpectedError } from './expected-error.js';

/** ThunderPhone waits 30 s for a non-blocking event; give up a little before, so the 500 reaches it. */
export const FORWARD_TIMEOUT_MS = 25_000;

// Per-connection headers (RFC 9110 §7.6.1) and the ones fetch computes itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/**
 * The catch-all handler behind `--forward-to`: re-POSTs the verified bytes, signature header
 * included, to the app. For a blocking event the app's JSON reply becomes the agent configuration
 * (the core validates it and enforces the deadline through `signal`); for any other event a non-2xx
 * or an unreachable app throws, so the core answers 500 and ThunderPhone retries.
 */
export function createForwarder(target: URL): AnyHandler {
  const where = target.href;
  return async (event, context) => {
    const blocking = isBlockingType(event.type);
    const { signal, cancel } = boundSignal(context.signal, blocking ? undefined : FORWARD_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: forwardedHeaders(context.headers),
        // A copy typed over a plain ArrayBuffer, which is what fetch accepts; the bytes are the same.
        body: new Uint8Array(context.rawBody),
        signal,
        redirect: 'manual',
      });
      const text = await response.text();
      if (response.status < 200 || response.status > 299) {
        throw new ForwardError(`${where} answered ${response.status} to ${event.type}`);
      }
      if (!blocking) return undefined;
      if (text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ForwardError(`${where} answered ${event.type} with a body that is not JSON`);
      }
    } catch (error) {
      if (error instanceof ForwardError) throw error;
      throw new ForwardError(`could not forward ${event.type} to ${where}: ${reason(error, signal)}`, { cause: error });
    } finally {
      cancel();
    }
  };
}

/** The app behind --forward-to failed; logged as one line with the reason (see ExpectedError). */
export class ForwardError extends ExpectedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ForwardError', message, options);
  }
}

/** The delivery's headers minus hop-by-hop ones; repeated headers stay repeated. */
export function forwardedHeaders(headers: HeaderRecord): Headers {
  const out = new Headers();
  const named = String(headerValue(headers, 'connection') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || named.includes(lower)) continue;
    for (const one of Array.isArray(value) ? value : [value]) out.append(name, String(one));
  }
  return out;
}

function headerValue(headers: HeaderRecord, name: string): unknown {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

// The handler's signal (the blocking deadline) plus, for non-blocking events, a timeout of our own.
function boundSignal(outer: AbortSignal, timeoutMs: number | undefined): { signal: AbortSignal; cancel: () => void } {
  if (timeoutMs === undefined) return { signal: outer, cancel: () => {} };
  const controller = new AbortController();
  const abort = () => controller.abort(outer.reason);
  if (outer.aborted) abort();
  else outer.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  return {
    signal: controller.signal,
    cancel: () => {
      clearTimeout(timer);
      outer.removeEventListener('abort', abort);
    },
  };
}

function reason(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const why = signal.reason as unknown;
    return why instanceof Error ? why.message : 'aborted';
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

import { validateAgentConfig } from '../core/agent-config.js';
import { isBlockingType } from '../core/event-types.js';
import { CORE_MARK, type AnyHandler, type HeaderRecord, type RequestHandlerCore } from '../core/receiver.js';
import { jsonResponse, type RawResponse } from '../core/response.js';
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

/** What the app behind `--forward-to` did with one delivery. */
export type ForwardOutcome =
  | {
      kind: 'answered';
      blocking: boolean;
      status: number;
      contentType: string | undefined;
      /** Relayed too: it tells the sender when to retry. Other headers stay between the app and us. */
      retryAfter: string | undefined;
      body: Uint8Array;
      /** Blocking events: the reply is a valid agent configuration, so its bytes are relayed. */
      acceptedReply: boolean;
      /** Blocking events: it came after the deadline, when `{}` had already been sent. */
      late: boolean;
      latencyMs: number;
    }
  | { kind: 'failed'; blocking: boolean; reason: string; latencyMs: number };

export interface Relay {
  /** The catch-all handler that forwards each verified event. */
  handler: AnyHandler;
  /** Wraps the receiver so the app's own answer goes back to the sender (see createRelay). */
  wrap(core: RequestHandlerCore): RequestHandlerCore;
  /** What the app did with the delivery whose verified bytes are `body`, once known. */
  outcomeOf(body: Uint8Array): ForwardOutcome | undefined;
}

/**
 * `--forward-to`: re-POSTs the verified bytes, signature header included, to the app, and sends
 * the app's answer back to the sender.
 * - A non-blocking event gets the app's status and body as they are: a non-2xx makes
 *   ThunderPhone retry, exactly as if it had reached the app directly.
 * - A blocking event gets the app's exact bytes when they are a valid agent configuration that
 *   came within the deadline; otherwise `{}` (the number's static agent), as ThunderPhone itself
 *   falls back on a non-2xx, a timeout or a reply it refuses. The reason is logged.
 * - An app that cannot be reached (refused, reset, no answer within 25 s) gets a 502 with the
 *   reason for a non-blocking event, and `{}` for a blocking one.
 * Refused deliveries (bad signature...) never reach the app.
 */
export function createRelay(target: URL): Relay {
  const outcomes = new WeakMap<Uint8Array, ForwardOutcome>();
  const handler = createForwarder(target, (body, outcome) => outcomes.set(body, outcome));
  return {
    handler,
    outcomeOf: (body) => outcomes.get(body),
    wrap(core) {
      return {
        [CORE_MARK]: true,
        get limit() {
          return core.limit;
        },
        get bodyTimeoutMs() {
          return core.bodyTimeoutMs;
        },
        get logger() {
          return core.logger;
        },
        precheck: (request) => core.precheck(request),
        async handle(request) {
          const response = await core.handle(request);
          const outcome = outcomes.get(request.body);
          if (outcome === undefined) return response; // refused, or a blocking reply still pending at the deadline
          return relayedResponse(outcome, response, target.href);
        },
      };
    },
  };
}

function relayedResponse(outcome: ForwardOutcome, fromCore: RawResponse, where: string): RawResponse {
  if (outcome.kind === 'failed') {
    // The core already answered a blocking event with {}; only a non-blocking one becomes a 502.
    if (outcome.blocking) return fromCore;
    return jsonResponse(502, JSON.stringify({ error: 'forward_failed', message: `${outcome.reason} (forwarding to ${where})` }));
  }
  if (outcome.blocking && (!outcome.acceptedReply || outcome.late)) return fromCore;
  // Adapters write a string as UTF-8, so a UTF-8 body (any JSON) goes back byte for byte.
  const body = new TextDecoder().decode(outcome.body);
  return {
    status: outcome.status,
    headers: {
      ...(outcome.contentType ? { 'content-type': outcome.contentType } : {}),
      ...(outcome.retryAfter ? { 'retry-after': outcome.retryAfter } : {}),
      'content-length': String(Buffer.byteLength(body, 'utf8')),
    },
    body,
  };
}

/**
 * The catch-all handler behind `--forward-to`: re-POSTs the verified bytes, signature header
 * included, to the app. For a blocking event the app's JSON reply becomes the agent configuration
 * (the core validates it and enforces the deadline through `signal`); for any other event a non-2xx
 * or an unreachable app throws, so the core answers 500 and ThunderPhone retries. `record` sees
 * what the app did, for createRelay.
 */
export function createForwarder(target: URL, record: (body: Uint8Array, outcome: ForwardOutcome) => void = () => {}): AnyHandler {
  const where = target.href;
  return async (event, context) => {
    const blocking = isBlockingType(event.type);
    const started = performance.now();
    const { signal, cancel } = boundSignal(context.signal, blocking ? undefined : FORWARD_TIMEOUT_MS);
    let response: Response;
    let bytes: Uint8Array;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: forwardedHeaders(context.headers),
        // A copy typed over a plain ArrayBuffer, which is what fetch accepts; the bytes are the same.
        body: new Uint8Array(context.rawBody),
        signal,
        redirect: 'manual',
      });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      const why =
        blocking && context.signal.aborted
          ? `no reply from your app before the blocking deadline (${reason(error, signal)}): sent {} (the static agent answers)`
          : `could not forward ${event.type} to ${where}: ${reason(error, signal)}`;
      record(context.rawBody, { kind: 'failed', blocking, reason: why, latencyMs: performance.now() - started });
      throw new ForwardError(why, { cause: error });
    } finally {
      cancel();
    }
    const late = blocking && context.signal.aborted;
    const answered = (acceptedReply: boolean) =>
      record(context.rawBody, {
        kind: 'answered',
        blocking,
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        retryAfter: response.headers.get('retry-after') ?? undefined,
        body: bytes,
        acceptedReply,
        late,
        latencyMs: performance.now() - started,
      });
    if (response.status < 200 || response.status > 299) {
      answered(false);
      throw new ForwardError(`${where} answered ${response.status} to ${event.type}`);
    }
    if (!blocking) {
      answered(false);
      return undefined;
    }
    const text = new TextDecoder().decode(bytes);
    let reply: unknown;
    try {
      reply = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      answered(false);
      throw new ForwardError(`${where} answered ${event.type} with a body that is not JSON`);
    }
    // An empty body is {} already; otherwise the app's bytes go back only if the core would accept them.
    answered(text.trim() !== '' && validateAgentConfig(reply).ok);
    return reply;
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

import { validateAgentConfig, type BlockingReply } from './agent-config.js';
import { parseEnvelope } from './envelope.js';
import { WebhookError, isWebhookError } from './errors.js';
import {
  isBlockingType,
  type BlockingEventType,
  type EventOf,
  type KnownEventType,
  type ThunderPhoneEvent,
} from './event-types.js';
import { withDeadline } from './deadline.js';
import { parseByteLimit, parseDeadline } from './limits.js';
import { admitRequest, checkRequestHead, type MethodPolicy } from './intake.js';
import { createConsoleLogger, describeError, type Logger } from './logger.js';
import { createErrorReporter } from './report-error.js';
import { errorResponse, jsonResponse, type RawResponse } from './response.js';
import { normalizeSecrets, warnAboutSecrets, type SecretInput } from './secrets.js';
import type { HeaderValue } from './signature-header.js';

export type HeaderRecord = Record<string, HeaderValue | number>;

/** What an adapter hands to the core: nothing framework-specific. */
export interface RawRequest {
  method: string;
  headers: HeaderRecord;
  body: Uint8Array;
  /** When the request arrived (Date.now()); the blocking deadline counts from here. */
  receivedAt?: number;
}

export interface HandlerContext {
  /** Fires at the blocking deadline; pass it to fetch() and database calls. */
  signal: AbortSignal;
  /** The verified bytes exactly as received. */
  rawBody: Uint8Array;
  headers: HeaderRecord;
  logger: Logger;
}

/** A handler for a blocking event: what it returns is the agent configuration for the call. */
export type BlockingHandler<T extends BlockingEventType = BlockingEventType> = (
  event: EventOf<T>,
  context: HandlerContext,
) => BlockingReply | Promise<BlockingReply>;

/** A handler for any other event: resolve to acknowledge, throw to have ThunderPhone retry. */
export type EventHandler<T extends string = string> = (event: EventOf<T>, context: HandlerContext) => unknown;

export type NonBlockingEventType = Exclude<KnownEventType, BlockingEventType>;

type UnknownTypeName<T extends string> = T extends KnownEventType ? never : T;

export type AnyHandler = (
  event: ThunderPhoneEvent,
  context: HandlerContext,
) => BlockingReply | unknown | Promise<BlockingReply | unknown>;

export interface ErrorInfo {
  type: string;
  eventId?: string;
  /** `handler`: it threw in time; `late`: it threw after the deadline reply was sent. */
  phase: 'handler' | 'late';
}

/** Handlers by event type; `'*'` handles every type without a handler of its own. */
export type HandlerMap = { [T in BlockingEventType]?: BlockingHandler<T> } & {
  [T in NonBlockingEventType]?: EventHandler<T>;
} & { '*'?: AnyHandler } & {
  // Other (unknown) types; `any` here only so the typed entries above still fit the index.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [type: string]: ((event: any, context: HandlerContext) => unknown) | undefined;
};

export interface ReceiverOptions {
  /** Handlers to register at once; the same as calling `.on(type, fn)` for each. */
  handlers?: HandlerMap;
  /** One `whsec_...` secret, or several during rotation (legacy + endpoint secrets). */
  secret?: SecretInput;
  secrets?: SecretInput;
  /** How long a blocking handler may take before `{}` is sent. Default 1800 ms. */
  deadlineMs?: number;
  /** Largest body accepted, in bytes or as "1mb". Default 1 MiB. */
  limit?: number | string;
  logger?: Logger;
  /** Called with every handler error. Defaults to logging it. */
  onError?: (error: unknown, info: ErrorInfo) => void;
}

export type SignatureVerifier = (
  body: Uint8Array,
  signature: HeaderValue,
  secrets: readonly string[],
) => { ok: true } | { ok: false; code: 'missing_signature' | 'invalid_signature'; reason: string } | Promise<
  { ok: true } | { ok: false; code: 'missing_signature' | 'invalid_signature'; reason: string }
>;

/**
 * What every adapter needs from the core: refuse early, then turn a request into a response.
 * Both the event receiver and the tool-call receiver provide it.
 */
export interface RequestHandlerCore {
  /** Checks what can be refused before the body is read: method, encoding, declared length. */
  precheck(request: Pick<RawRequest, 'method' | 'headers'>): RawResponse | undefined;
  handle(request: RawRequest): Promise<RawResponse>;
  readonly limit: number;
  readonly logger: Logger;
}

export interface Receiver extends RequestHandlerCore {
  on<T extends BlockingEventType>(type: T | readonly T[], handler: BlockingHandler<T>): Receiver;
  on<T extends NonBlockingEventType>(type: T | readonly T[], handler: EventHandler<T>): Receiver;
  /** Types this library does not know yet; known types must use their typed overloads above. */
  on<T extends string>(type: UnknownTypeName<T> | readonly UnknownTypeName<T>[], handler: EventHandler<T>): Receiver;
  /** Handles every event type that has no handler of its own. */
  onAny(handler: AnyHandler): Receiver;
  readonly deadlineMs: number;
}

/** Marks objects that adapters may take as-is instead of options. */
export const CORE_MARK = Symbol.for('thunderphone-webhooks.core');

export function isRequestHandlerCore(value: unknown): value is RequestHandlerCore {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CORE_MARK] === true;
}

/** Same as isRequestHandlerCore. */
export const isReceiver = isRequestHandlerCore;

/** The transport-agnostic receiver. `verifier` is Node's crypto or WebCrypto, chosen by the entry point. */
export function buildReceiver(options: ReceiverOptions, verifier: SignatureVerifier): Receiver {
  if (options.secret !== undefined && options.secrets !== undefined) {
    throw new TypeError('thunderphone-webhooks: pass `secret` or `secrets`, not both');
  }
  const secrets = normalizeSecrets(options.secrets ?? options.secret);
  const logger = options.logger ?? createConsoleLogger();
  warnAboutSecrets(secrets, logger);
  const limit = parseByteLimit(options.limit);
  const deadlineMs = parseDeadline(options.deadlineMs);
  const handlers = new Map<string, AnyHandler>();
  let fallback: AnyHandler | undefined;

  const reportError = createErrorReporter<ErrorInfo>(options.onError, logger, (info) => ({
    message: `handler for ${info.type} failed${info.phase === 'late' ? ' after the deadline' : ''}`,
  }));

  const receiver: Receiver & { [CORE_MARK]: true } = {
    [CORE_MARK]: true,
    limit,
    deadlineMs,
    logger,

    on(type: string | readonly string[], handler: AnyHandler) {
      if (typeof handler !== 'function') throw new TypeError('thunderphone-webhooks: a handler must be a function');
      const types = typeof type === 'string' ? [type] : [...type];
      // Check every type before registering any, so a refused call leaves nothing half-registered.
      types.forEach((t, i) => {
        if (handlers.has(t) || types.indexOf(t) !== i) {
          throw new Error(`thunderphone-webhooks: a handler for "${t}" is already registered; each event type has one handler`);
        }
      });
      for (const t of types) handlers.set(t, handler);
      return receiver;
    },

    onAny(handler: AnyHandler) {
      if (fallback) throw new Error('thunderphone-webhooks: onAny() is already registered');
      fallback = handler;
      return receiver;
    },

    precheck({ method, headers }) {
      try {
        checkRequestHead(method, headers, limit, EVENT_METHODS);
        return undefined;
      } catch (error) {
        return errorResponse(error as WebhookError);
      }
    },

    async handle(request) {
      const started = request.receivedAt ?? Date.now();
      let event: ThunderPhoneEvent;
      try {
        await admitRequest(request, limit, EVENT_METHODS, verifier, secrets);
        event = parseEnvelope(request.body);
      } catch (error) {
        if (!isWebhookError(error)) throw error;
        logger.warn(`refused delivery: ${error.message}`, { status: error.status, code: error.code });
        return errorResponse(error);
      }

      const handler = handlers.get(event.type) ?? fallback;
      const context = (signal: AbortSignal): HandlerContext => ({ signal, rawBody: request.body, headers: request.headers, logger });
      const info: ErrorInfo = { type: event.type, phase: 'handler', ...(typeof event.event_id === 'string' ? { eventId: event.event_id } : {}) };

      if (isBlockingType(event.type)) {
        if (!handler) return staticAgent();
        // Clamped so a receivedAt from the future (clock skew) never extends the deadline.
        const remaining = Math.min(deadlineMs, deadlineMs - (Date.now() - started));
        const outcome = await withDeadline(remaining, (signal) => handler(event, context(signal)));
        if (outcome.kind === 'timeout') {
          logger.warn(`handler for ${event.type} missed the ${deadlineMs} ms deadline; sent {} so the static agent answers, and its late reply will be dropped`);
          outcome.late.then(
            () => logger.debug(`late reply to ${event.type} dropped`),
            (error: unknown) => reportError(error, { ...info, phase: 'late' }),
          );
          return staticAgent();
        }
        if (outcome.kind === 'error') {
          reportError(outcome.error, info);
          return staticAgent();
        }
        return blockingReply(outcome.value, event.type, logger);
      }

      if (!handler) return jsonResponse(202, '{"ok":true,"handled":false}');
      try {
        await handler(event, context(new AbortController().signal));
      } catch (error) {
        reportError(error, info);
        return errorResponse(
          new WebhookError('handler_failed', `the handler for ${event.type} failed; answering 500 so ThunderPhone retries`),
        );
      }
      return jsonResponse(200, '{"ok":true}');
    },
  };
  for (const [type, handler] of Object.entries(options.handlers ?? {})) {
    if (handler === undefined) continue;
    if (type === '*') receiver.onAny(handler as AnyHandler);
    else receiver.on(type, handler as EventHandler);
  }
  return receiver;
}

const EVENT_METHODS: MethodPolicy = { methods: ['POST'], hint: 'ThunderPhone delivers webhooks with POST' };

function staticAgent(): RawResponse {
  return jsonResponse(200, '{}');
}

function blockingReply(value: unknown, type: string, logger: Logger): RawResponse {
  const result = validateAgentConfig(value);
  if (!result.ok) {
    logger.warn(`reply to ${type} is not a valid agent configuration (${result.reason}); sent {} so the static agent answers`);
    return staticAgent();
  }
  let body: string;
  try {
    body = JSON.stringify(result.value);
  } catch (error) {
    logger.warn(`reply to ${type} could not be serialised as JSON (${describeError(error)}); sent {}`);
    return staticAgent();
  }
  return jsonResponse(200, body);
}

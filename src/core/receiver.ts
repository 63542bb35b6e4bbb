import { createDedupeGuard } from './dedupe.js';
import { answerBlocking, answerEvent, type Dispatch } from './dispatch.js';
import { parseEnvelope } from './envelope.js';
import { isWebhookError, type WebhookError } from './errors.js';
import { isBlockingType, type ThunderPhoneEvent } from './event-types.js';
import { admitRequest, checkRequestHead, type MethodPolicy } from './intake.js';
import { resolveIntake } from './intake-options.js';
import { parseDeadline, parseMilliseconds } from './limits.js';
import {
  CORE_MARK,
  type AnyHandler,
  type ErrorInfo,
  type EventHandler,
  type HandlerContext,
  type Receiver,
  type ReceiverOptions,
  type SignatureVerifier,
} from './receiver-types.js';
import { createErrorReporter } from './report-error.js';
import { errorResponse } from './response.js';
import { unknownTypeWarning } from './type-names.js';

export * from './receiver-types.js';

export const DEFAULT_HANDLER_TIMEOUT_MS = 25_000;

const EVENT_METHODS: MethodPolicy = { methods: ['POST'], hint: 'ThunderPhone delivers webhooks with POST' };

/** The transport-agnostic receiver. `verifier` is Node's crypto or WebCrypto, chosen by the entry point. */
export function buildReceiver(options: ReceiverOptions, verifier: SignatureVerifier): Receiver {
  const { secrets, logger, limit, bodyTimeoutMs } = resolveIntake(options);
  const deadlineMs = parseDeadline(options.deadlineMs);
  const handlerTimeoutMs = parseMilliseconds(options.handlerTimeoutMs, DEFAULT_HANDLER_TIMEOUT_MS, 'handlerTimeoutMs');
  const handlers = new Map<string, AnyHandler>();
  let fallback: AnyHandler | undefined;
  const dedupe = createDedupeGuard(options.dedupe, { logger, handlerTimeoutMs, deadlineMs });

  const reportError = createErrorReporter<ErrorInfo>(options.onError, logger, (info) => ({
    message: `handler for ${info.type} failed${info.phase === 'late' ? ' after its reply was sent' : ''}`,
  }));

  const receiver: Receiver & { [CORE_MARK]: true } = {
    [CORE_MARK]: true,
    limit,
    bodyTimeoutMs,
    deadlineMs,
    logger,

    on(type: string | readonly string[], handler: AnyHandler) {
      if (typeof handler !== 'function') throw new TypeError('thunderphone-webhooks: a handler must be a function');
      const types = typeof type === 'string' ? [type] : [...type];
      if (types.length === 0) throw new TypeError('thunderphone-webhooks: on() needs at least one event type');
      if (types.includes('*')) {
        if (types.length > 1) throw new TypeError('thunderphone-webhooks: "*" (every other type) cannot be listed with other types');
        return receiver.onAny(handler);
      }
      // Check every type before registering any, so a refused call leaves nothing half-registered.
      types.forEach((t, i) => {
        if (handlers.has(t) || types.indexOf(t) !== i) {
          throw new Error(`thunderphone-webhooks: a handler for "${t}" is already registered; each event type has one handler`);
        }
      });
      for (const t of types) {
        handlers.set(t, handler);
        const warning = unknownTypeWarning(t);
        if (warning) logger.warn(warning);
      }
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
        const refused = error as WebhookError;
        logger.warn(`refused delivery: ${refused.message}`, { status: refused.status, code: refused.code });
        return errorResponse(refused);
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

      const dispatch = {
        handler: handlers.get(event.type) ?? fallback,
        event,
        context: (signal: () => AbortSignal): HandlerContext => ({
          get signal() {
            return signal();
          },
          rawBody: request.body,
          headers: request.headers,
          logger,
        }),
        info: { type: event.type, phase: 'handler', ...(typeof event.event_id === 'string' ? { eventId: event.event_id } : {}) } as ErrorInfo,
        logger,
        reportError,
      };
      const blocking = isBlockingType(event.type);
      const answer = (d: Dispatch) => {
        if (!blocking) return answerEvent(d, handlerTimeoutMs);
        // Clamped so a receivedAt from the future (clock skew) never extends the deadline.
        const remaining = Math.min(deadlineMs, deadlineMs - (Date.now() - started));
        return answerBlocking(d, remaining, deadlineMs);
      };
      return dedupe ? dedupe(dispatch, { blocking, startedAt: started }, answer) : answer(dispatch);
    },
  };
  for (const [type, handler] of Object.entries(options.handlers ?? {})) {
    if (handler === undefined) continue;
    if (type === '*') receiver.onAny(handler as AnyHandler);
    else receiver.on(type, handler as EventHandler);
  }
  return receiver;
}

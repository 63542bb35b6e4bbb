import { withDeadline } from './deadline.js';
import { WebhookError, isWebhookError } from './errors.js';
import { admitRequest, checkRequestHead, type MethodPolicy } from './intake.js';
import { resolveIntake, type IntakeOptions } from './intake-options.js';
import { parseJsonBody } from './json-body.js';
import { parseMilliseconds } from './limits.js';
import type { Logger } from './logger.js';
import { createErrorReporter } from './report-error.js';
import { CORE_MARK, type HeaderRecord, type RequestHandlerCore, type SignatureVerifier } from './receiver.js';
import { errorResponse, jsonResponse, type RawResponse } from './response.js';
import { getHeader } from './signature-header.js';

export const CALL_ID_HEADER = 'x-thunderphone-call-id';

/**
 * How long a tool handler may run before the model is told it failed. ThunderPhone's own tool
 * timeout is not documented; 10 s is a guess that stays well inside a phone conversation.
 */
export const DEFAULT_TOOL_TIMEOUT_MS = 10_000;

/** ThunderPhone truncates tool results over 6 kB in the transcript preview. */
export const TOOL_RESULT_WARN_BYTES = 6 * 1024;

const TOOL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const TOOL_POLICY: MethodPolicy = { methods: TOOL_METHODS, hint: `ThunderPhone calls tools with ${TOOL_METHODS.join(', ')}` };

/** `secret`: the one of the webhook endpoint that delivered the call (or the legacy org secret). */
export interface ToolReceiverOptions extends IntakeOptions {
  /** How long the handler may run before `{"error": ...}` is sent. Default 10000 ms (a guess; see DEFAULT_TOOL_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
  /** Called with every error the handler throws (or a result that cannot be sent). Defaults to logging it. */
  onError?: ((error: unknown, info: ToolErrorInfo) => void | Promise<void>) | undefined;
}

export interface ToolErrorInfo {
  callId: string | undefined;
  /** `handler`: it threw in time; `late`: it threw after the timeout reply was sent; `result`: its result is not JSON. */
  phase: 'handler' | 'late' | 'result';
}

export interface ToolContext {
  /** The X-ThunderPhone-Call-ID header, exact digits as a string; undefined when absent. */
  callId: string | undefined;
  /** The HTTP method the tool is configured with (POST unless set otherwise). */
  method: string;
  /** Fires at `timeoutMs`; pass it to fetch() and database calls. */
  signal: AbortSignal;
  headers: HeaderRecord;
  /** The verified bytes exactly as received. */
  rawBody: Uint8Array;
  logger: Logger;
}

/**
 * Answers one tool call. The return value is sent back to the model as JSON (`undefined` as `{}`).
 * Throw an Error to send `{"error": "<its message>"}`, which the model can read and react to.
 */
export type ToolCallHandler<Args = Record<string, unknown>> = (args: Args, context: ToolContext) => unknown;

export interface ToolReceiver extends RequestHandlerCore {
  readonly timeoutMs: number;
}

const encoder = new TextEncoder();

/** The transport-agnostic tool-call receiver; `verifier` is Node's crypto or WebCrypto, chosen by the entry point. */
export function buildToolReceiver<Args = Record<string, unknown>>(
  options: ToolReceiverOptions,
  handler: ToolCallHandler<Args>,
  verifier: SignatureVerifier,
): ToolReceiver {
  if (typeof handler !== 'function') throw new TypeError('thunderphone-webhooks: the tool handler must be a function');
  const { secrets, logger, limit, bodyTimeoutMs } = resolveIntake(options);
  const timeoutMs = parseMilliseconds(options.timeoutMs, DEFAULT_TOOL_TIMEOUT_MS, 'timeoutMs');

  const reportError = createErrorReporter<ToolErrorInfo>(options.onError, logger, (info) => ({
    message: `tool handler failed${info.phase === 'late' ? ' after the timeout' : ''}`,
    meta: { callId: info.callId },
  }));

  const receiver: ToolReceiver & { [CORE_MARK]: true } = {
    [CORE_MARK]: true,
    limit,
    bodyTimeoutMs,
    logger,
    timeoutMs,

    precheck({ method, headers }) {
      try {
        checkRequestHead(method, headers, limit, TOOL_POLICY);
        return undefined;
      } catch (error) {
        const refused = error as WebhookError;
        logger.warn(`refused tool call: ${refused.message}`, { status: refused.status, code: refused.code });
        return refusal(refused);
      }
    },

    async handle(request) {
      let args: Args;
      try {
        await admitRequest(request, limit, TOOL_POLICY, verifier, secrets);
        args = parseArguments(request.body) as Args;
      } catch (error) {
        if (!isWebhookError(error)) throw error;
        logger.warn(`refused tool call: ${error.message}`, { status: error.status, code: error.code });
        return refusal(error);
      }

      const callId = readCallId(request.headers);
      const outcome = await withDeadline(timeoutMs, (signal) =>
        handler(args, {
          callId,
          method: request.method.toUpperCase(),
          get signal() {
            return signal();
          },
          headers: request.headers,
          rawBody: request.body,
          logger,
        }),
      );
      if (outcome.kind === 'timeout') {
        logger.warn(`tool handler did not answer within ${timeoutMs} ms; told the model the tool timed out`, { callId });
        outcome.late.then(
          () => logger.debug('late tool result dropped', { callId }),
          (error: unknown) => reportError(error, { callId, phase: 'late' }),
        );
        return toolError(`the tool did not answer within ${timeoutMs} ms`);
      }
      if (outcome.kind === 'error') {
        reportError(outcome.error, { callId, phase: 'handler' });
        return toolError(messageOf(outcome.error));
      }
      return toolResult(outcome.value, callId, logger, reportError);
    },
  };
  return receiver;
}

function refusal(error: WebhookError): RawResponse {
  return errorResponse(error, TOOL_METHODS);
}

/** The tool arguments: a JSON object, or `{}` for an empty body (as a GET may send). */
function parseArguments(body: Uint8Array): unknown {
  const value = parseJsonBody(body);
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new WebhookError('invalid_body', 'tool arguments must be a JSON object');
  }
  return value;
}

function readCallId(headers: HeaderRecord): string | undefined {
  const value = getHeader(headers, CALL_ID_HEADER);
  const first = (typeof value === 'string' ? value.split(',')[0] : value?.[0])?.trim();
  return first ? first : undefined;
}

function toolResult(
  value: unknown,
  callId: string | undefined,
  logger: Logger,
  reportError: (error: unknown, info: ToolErrorInfo) => void,
): RawResponse {
  let body: string | undefined;
  try {
    body = value === undefined ? '{}' : JSON.stringify(value);
  } catch (error) {
    reportError(error, { callId, phase: 'result' });
    return toolError('the tool result could not be serialised as JSON');
  }
  if (body === undefined) {
    // A function or symbol: JSON.stringify has nothing to write.
    reportError(new TypeError(`tool result of type ${typeof value} is not JSON`), { callId, phase: 'result' });
    return toolError('the tool result could not be serialised as JSON');
  }
  const bytes = encoder.encode(body).byteLength;
  if (bytes > TOOL_RESULT_WARN_BYTES) {
    logger.warn(
      `tool result is ${bytes} bytes; ThunderPhone truncates results over ${TOOL_RESULT_WARN_BYTES} bytes in the transcript preview, so return only the fields the model needs`,
      { callId },
    );
  }
  return jsonResponse(200, body);
}

// A failure is still a 200: the body is what the model reads, and `{"error": ...}` lets it
// tell the caller something useful instead of the call stalling on an HTTP error.
function toolError(message: string): RawResponse {
  return jsonResponse(200, JSON.stringify({ error: message }));
}

function messageOf(error: unknown): string {
  try {
    const message = error instanceof Error ? error.message : undefined;
    if (typeof message === 'string' && message.trim() !== '') return message;
  } catch {
    // A message getter that throws: fall through to the generic text.
  }
  return 'the tool failed';
}

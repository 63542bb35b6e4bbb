import { validateAgentConfig } from './agent-config.js';
import { withDeadline } from './deadline.js';
import { WebhookError } from './errors.js';
import type { ThunderPhoneEvent } from './event-types.js';
import { describeError, type Logger } from './logger.js';
import type { AnyHandler, ErrorInfo, HandlerContext } from './receiver-types.js';
import { errorResponse, jsonResponse, type RawResponse } from './response.js';

export interface Dispatch {
  handler: AnyHandler | undefined;
  event: ThunderPhoneEvent;
  /** Builds the handler's context; `signal` is called only if the handler reads it. */
  context: (signal: () => AbortSignal) => HandlerContext;
  info: ErrorInfo;
  logger: Logger;
  reportError: (error: unknown, info: ErrorInfo) => void;
}

/**
 * A blocking event: the handler's value, checked against the schema, is the reply. Anything
 * unexpected (no handler, an error, an invalid value, the deadline) sends `{}`, which makes
 * ThunderPhone use the number's static agent rather than fail the call.
 */
export async function answerBlocking(d: Dispatch, remainingMs: number, deadlineMs: number): Promise<RawResponse> {
  const { handler, event, logger } = d;
  if (!handler) return staticAgent();
  const outcome = await withDeadline(remainingMs, (signal) => handler(event, d.context(signal)));
  if (outcome.kind === 'timeout') {
    logger.warn(`handler for ${event.type} missed the ${deadlineMs} ms deadline; sent {} so the static agent answers, and its late reply will be dropped`);
    reportLate(d, outcome.late, `late reply to ${event.type} dropped`);
    return staticAgent();
  }
  if (outcome.kind === 'error') {
    d.reportError(outcome.error, d.info);
    return staticAgent();
  }
  return agentConfigReply(outcome.value, event.type, logger);
}

/**
 * Any other event: 200 once the handler resolves; 500 when it throws and 503 when it runs past
 * `timeoutMs`, so ThunderPhone retries instead of counting a lost event as delivered.
 */
export async function answerEvent(d: Dispatch, timeoutMs: number): Promise<RawResponse> {
  const { handler, event, logger } = d;
  if (!handler) return jsonResponse(202, '{"ok":true,"handled":false}');
  const outcome = await withDeadline(timeoutMs, (signal) => handler(event, d.context(signal)));
  if (outcome.kind === 'timeout') {
    logger.warn(`handler for ${event.type} did not finish within ${timeoutMs} ms; answered 503 so ThunderPhone retries`);
    reportLate(d, outcome.late, `handler for ${event.type} finished after its timeout`);
    return errorResponse(new WebhookError('handler_timeout', `the handler for ${event.type} did not finish in time; answering 503 so ThunderPhone retries`));
  }
  if (outcome.kind === 'error') {
    d.reportError(outcome.error, d.info);
    return errorResponse(new WebhookError('handler_failed', `the handler for ${event.type} failed; answering 500 so ThunderPhone retries`));
  }
  return jsonResponse(200, '{"ok":true}');
}

function reportLate(d: Dispatch, late: Promise<unknown>, doneMessage: string): void {
  late.then(
    () => d.logger.debug(doneMessage),
    (error: unknown) => d.reportError(error, { ...d.info, phase: 'late' }),
  );
}

function staticAgent(): RawResponse {
  return jsonResponse(200, '{}');
}

// Serialises first and validates the parsed result, so what is checked is exactly what is sent
// (a toJSON cannot swap in other keys) and a throwing getter counts as an invalid reply.
function agentConfigReply(value: unknown, type: string, logger: Logger): RawResponse {
  let text: string | undefined;
  let sent: unknown;
  try {
    text = value === undefined || value === null ? '{}' : JSON.stringify(value);
    sent = text === undefined ? value : JSON.parse(text);
  } catch (error) {
    logger.warn(`reply to ${type} could not be serialised as JSON (${describeError(error)}); sent {}`);
    return staticAgent();
  }
  const result = validateAgentConfig(sent);
  if (!result.ok) {
    logger.warn(`reply to ${type} is not a valid agent configuration (${result.reason}); sent {} so the static agent answers`);
    return staticAgent();
  }
  // The validated value is the parse of `text`, so `text` is what goes out.
  return jsonResponse(200, text ?? '{}');
}

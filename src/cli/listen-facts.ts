import { isBlockingType } from '../core/event-types.js';
import type { RawRequest } from '../core/receiver.js';
import type { RawResponse } from '../core/response.js';
import type { DeliveryFacts } from './listen-line.js';
import type { Relay } from './serve-forward.js';

export type SeenEvents = WeakMap<Uint8Array, { type: string; callId: string | undefined }>;

/** What one delivery's line says: the verified event, the answer, and what the app did with it. */
export function deliveryFacts(
  request: RawRequest,
  response: RawResponse,
  latencyMs: number,
  seen: SeenEvents,
  relay: Relay | undefined,
  deadlineMs: number,
): DeliveryFacts {
  const event = seen.get(request.body);
  const blocking = event !== undefined && isBlockingType(event.type);
  const notes: string[] = [];
  const staticAgent = blocking && response.body === '{}';
  if (event !== undefined && relay !== undefined) {
    const outcome = relay.outcomeOf(request.body);
    if (outcome === undefined) {
      if (staticAgent) notes.push(`no reply from your app within the ${deadlineMs} ms deadline: sent {} (the static agent answers)`);
    } else if (outcome.kind === 'failed') {
      notes.push(outcome.reason);
    } else if (blocking && (outcome.status < 200 || outcome.status > 299)) {
      notes.push(`your app answered ${outcome.status}: sent {} (the static agent answers)`);
    } else if (blocking && !outcome.acceptedReply && outcome.body.byteLength > 0 && staticAgent) {
      notes.push('your app\'s reply is not a valid agent configuration (see the warning above): sent {}');
    }
  } else if (staticAgent && latencyMs >= deadlineMs - 5) {
    notes.push(`the ${deadlineMs} ms deadline passed: sent {} (the static agent answers)`);
  }
  return {
    at: new Date(),
    type: event?.type,
    callId: event?.callId,
    blocking,
    status: response.status,
    latencyMs,
    refused: event === undefined ? errorCode(response.body) : undefined,
    notes,
  };
}

function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: unknown }).error;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}


import type { ThunderPhoneEvent } from './event-types.js';

/**
 * The default dedupe key (spec §1.5): `event_id` when present; else `type:call_id`, with a
 * discriminator for the types that one call legitimately sends more than once. `undefined` means
 * "do not deduplicate this event": used wherever two real events could not be told apart, since
 * handling a re-delivery twice is better than dropping a distinct event.
 *
 * - `call.incoming`, `call.complete`, `telephony.incoming`, `telephony.complete`, `web.incoming`,
 *   `web.complete`: once per call, `type:call_id`.
 * - `call.graded`: fast, then full: `call.graded:call_id:grade.grader_model` (none without a model).
 * - `issue.reported`: several per call: `issue.reported:call_id:id` (none without the issue `id`).
 * - `test-call.completed`: once per test call, whose `call_id` may be null: `test-call.completed:id`.
 * - `telephony.tool`, `web.tool`: one per tool invocation, and ThunderPhone documents no
 *   invocation id, so they are deduplicated only by `event_id`.
 * - Types this version does not know: only by `event_id`, since they may repeat per call.
 */
export function dedupeKey(event: ThunderPhoneEvent): string | undefined {
  const eventId = (event as { event_id?: unknown }).event_id;
  if (typeof eventId === 'string' && eventId !== '') return eventId;
  const data = (event.data ?? {}) as Record<string, unknown>;
  const callId = idText(data.call_id);
  switch (event.type) {
    case 'call.incoming':
    case 'call.complete':
    case 'telephony.incoming':
    case 'telephony.complete':
    case 'web.incoming':
    case 'web.complete':
      return callId === undefined ? undefined : `${event.type}:${callId}`;
    case 'call.graded': {
      const grade = data.grade as Record<string, unknown> | null | undefined;
      const model = typeof grade === 'object' && grade !== null ? idText(grade.grader_model) : undefined;
      return callId === undefined || model === undefined ? undefined : `call.graded:${callId}:${model}`;
    }
    case 'issue.reported': {
      const id = idText(data.id);
      return id === undefined ? undefined : `issue.reported:${callId ?? ''}:${id}`;
    }
    case 'test-call.completed': {
      const id = idText(data.id);
      return id === undefined ? undefined : `test-call.completed:${id}`;
    }
    default:
      return undefined;
  }
}

// Ids arrive as numbers, or as strings of exact digits when over 2^53 (lossless parse).
function idText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

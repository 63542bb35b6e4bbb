import { isKnownType, type UnknownEvent } from '../core/event-types.js';
import { isPlainObject } from './merge.js';
import { sampleEnvelope, type SampleOverrides } from './samples.js';

/** The keys of an envelope-shaped override, as `sampleEvent(type, overrides)` takes it. */
const OVERRIDE_KEYS: ReadonlySet<string> = new Set(['data', 'event_id']);

/**
 * Builds the envelope to send from a type and optional user JSON (a `--data` file), read one of
 * three ways:
 * - with a top-level `type`: the whole envelope, sent as it is;
 * - with only envelope keys (`data`, `event_id`): an envelope-shaped override deep-merged over
 *   the sample envelope (arrays replace), exactly like `sampleEvent(type, overrides)`;
 * - anything else: merged over the sample's data.
 * Throws a TypeError with a one-line reason when the two do not fit together.
 */
export function composeEnvelope(type: string | undefined, userJson?: unknown, eventId?: string): UnknownEvent {
  let envelope: UnknownEvent;
  if (userJson === undefined) {
    envelope = sampleFor(requireType(type), undefined, 'give its data with --data file.json');
  } else if (!isPlainObject(userJson)) {
    throw new TypeError('the --data file must hold a JSON object (a whole envelope with "type", an envelope-shaped {"data", "event_id"} override, or event data)');
  } else if ('type' in userJson) {
    envelope = wholeEnvelope(type, userJson);
  } else if (isEnvelopeOverride(userJson)) {
    envelope = sampleFor(requireType(type), userJson, 'give its data in the --data file ({"data": {...}})');
  } else {
    envelope = sampleFor(requireType(type), { data: userJson }, 'give its data with --data file.json');
  }
  if (eventId !== undefined) envelope.event_id = eventId;
  return envelope;
}

function isEnvelopeOverride(json: Record<string, unknown>): boolean {
  const keys = Object.keys(json);
  return keys.length > 0 && keys.every((key) => OVERRIDE_KEYS.has(key));
}

function requireType(type: string | undefined): string {
  if (type === undefined) throw new TypeError('give an event type, or a whole {"type", "data"} envelope in the --data file');
  return type;
}

function sampleFor(type: string, overrides: Record<string, unknown> | undefined, howToGiveData: string): UnknownEvent {
  if (!isKnownType(type) && overrides?.data === undefined) {
    throw new TypeError(`there is no sample for "${type}"; ${howToGiveData}`);
  }
  return sampleEnvelope(type, (overrides ?? {}) as SampleOverrides<string> & { data: unknown });
}

function wholeEnvelope(type: string | undefined, json: Record<string, unknown>): UnknownEvent {
  if (json.type !== undefined && typeof json.type !== 'string') throw new TypeError('"type" in the --data file must be a string');
  if (type !== undefined && json.type !== undefined && json.type !== type) {
    throw new TypeError(`the --data file is a ${String(json.type)} envelope, but the command asks for ${type}`);
  }
  const resolved = (json.type as string | undefined) ?? type;
  if (resolved === undefined) throw new TypeError('give an event type, or a "type" in the --data envelope');
  return { ...json, type: resolved, data: json.data } as UnknownEvent;
}

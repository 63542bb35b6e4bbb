import { isKnownType, type UnknownEvent } from '../core/event-types.js';
import { isPlainObject } from './merge.js';
import { sampleEnvelope } from './samples.js';

/**
 * Builds the envelope to send from a type and optional user JSON: an object holding `type` or
 * `data` is the whole envelope, sent as it is; any other object is merged over the sample data.
 * Throws a TypeError with a one-line reason when the two do not fit together.
 */
export function composeEnvelope(type: string | undefined, userJson?: unknown, eventId?: string): UnknownEvent {
  let envelope: UnknownEvent;
  if (userJson === undefined) {
    if (type === undefined) throw new TypeError('give an event type');
    if (!isKnownType(type)) throw new TypeError(`there is no sample for "${type}"; give its data with --data file.json`);
    envelope = sampleEnvelope(type);
  } else if (!isPlainObject(userJson)) {
    throw new TypeError('the --data file must hold a JSON object (the event data, or a whole {"type", "data"} envelope)');
  } else if ('type' in userJson || 'data' in userJson) {
    envelope = wholeEnvelope(type, userJson);
  } else {
    if (type === undefined) throw new TypeError('give an event type, or a whole {"type", "data"} envelope in the --data file');
    envelope = sampleEnvelope(type, { data: userJson });
  }
  if (eventId !== undefined) envelope.event_id = eventId;
  return envelope;
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

import { randomBytes } from 'node:crypto';
import { isKnownType, type EventDataMap, type EventOf, type KnownEventType, type UnknownEvent } from '../core/event-types.js';
import { deepMerge } from './merge.js';
import { sampleData } from './sample-data.js';

export { sampleData, SAMPLE_CALL_ID, SAMPLE_CALLER, SAMPLE_NUMBER } from './sample-data.js';

/** An id in the shape of the `event_id` seen in ThunderPhone deliveries. */
export function newEventId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
}

// A number may also be given as a bigint, which is written as a bare integer: the way to send
// a 64-bit call_id beyond 2^53.
type Leaf<V> = V | (number extends V ? bigint : never);

/** Overrides for sample data: objects merge key by key, arrays replace, `undefined` removes. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object | null | undefined ? DeepPartial<T[K]> | Leaf<T[K]> : Leaf<T[K]>;
};

/** Envelope-shaped overrides: `{ data: { ... }, event_id: '...' }`. */
export type SampleOverrides<T extends string> = {
  data?: T extends KnownEventType ? DeepPartial<EventDataMap[T]> : unknown;
  /** Set to `undefined` to send the event without an `event_id`. */
  event_id?: string;
  [key: string]: unknown;
};

/**
 * The envelope ThunderPhone would send for `type`: `{ type, data, event_id }` with the sample
 * data, deep-merged with `overrides`. A type this library does not know is allowed, since
 * ThunderPhone may add types, but then `overrides.data` must be given.
 */
export function sampleEnvelope<T extends KnownEventType>(type: T, overrides?: SampleOverrides<T>): EventOf<T>;
export function sampleEnvelope(type: string, overrides: SampleOverrides<string> & { data: unknown }): UnknownEvent;
export function sampleEnvelope(type: string, overrides: SampleOverrides<string> = {}): UnknownEvent {
  if (typeof type !== 'string' || type.length === 0) throw new TypeError('thunderphone-webhooks: an event type must be a non-empty string');
  if (!isKnownType(type) && overrides.data === undefined) {
    throw new TypeError(`thunderphone-webhooks: there is no sample for "${type}"; pass its data ({ data: { ... } })`);
  }
  const base = { type, event_id: newEventId(), data: isKnownType(type) ? sampleData(type) : {} };
  return deepMerge(base, overrides) as UnknownEvent;
}

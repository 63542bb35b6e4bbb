import type { EventOf, KnownEventType, UnknownEvent } from '../core/event-types.js';
import { sampleEnvelope, toWireBody, type SampleOverrides } from '../sender/index.js';

export interface SampleEvent<E = UnknownEvent> {
  /** The event as your handler will see it. */
  envelope: E;
  /** The exact body ThunderPhone would send: sorted keys, compact, non-ASCII as \uXXXX. */
  body: string;
}

/**
 * A realistic event of `type` and its wire body. `overrides` is envelope-shaped and deep-merged:
 * `sampleEvent('call.complete', { data: { end_reason: 'transfer', transfer_number: '+1…' } })`.
 * Arrays replace; a key set to `undefined` is left out. For a type this library does not know,
 * give `data`.
 */
export function sampleEvent<T extends KnownEventType>(type: T, overrides?: SampleOverrides<T>): SampleEvent<EventOf<T>>;
export function sampleEvent(type: string, overrides: SampleOverrides<string> & { data: unknown }): SampleEvent;
export function sampleEvent(type: string, overrides?: SampleOverrides<string>): SampleEvent {
  const envelope = sampleEnvelope(type, overrides as SampleOverrides<string> & { data: unknown });
  return { envelope, body: toWireBody(envelope) };
}

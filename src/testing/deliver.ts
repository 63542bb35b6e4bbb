import type { KnownEventType } from '../core/event-types.js';
import { isPlainObject } from '../sender/merge.js';
import {
  deliverLocal,
  sendDelivery,
  sampleEnvelope,
  toWireBody,
  typeOfBody,
  type DeliveryResult,
  type LocalTarget,
} from '../sender/index.js';

/** Where to deliver: a URL, a receiver, a thunderphoneMiddleware(...), or a (Request) => Response handler. */
export type DeliveryTarget = string | URL | LocalTarget;

/**
 * What to deliver: an event type (its sample is sent), an envelope object, a `sampleEvent()`
 * result, or a raw body (a string starting with `{`, or bytes) sent exactly as given.
 */
export type DeliveryInput = string | Uint8Array | { type: string; data?: unknown; [key: string]: unknown } | { envelope: unknown; body: string };

export interface DeliverOptions {
  /** The secret to sign with. Sign with a different one than the receiver's to test a 401. */
  secret: string;
  /** Default: 2000 ms for blocking events (as ThunderPhone waits), 30000 ms otherwise. */
  timeoutMs?: number;
  /** Extra headers, or replacements for Content-Type and X-ThunderPhone-Signature. */
  headers?: Record<string, string>;
}

export type DeliverResult = DeliveryResult;

/**
 * Signs and delivers an event the way ThunderPhone does, and reports the reply. For a blocking
 * event `reply` says whether ThunderPhone could use it: `{ ok: true, value, staticAgent, slow }`
 * or `{ ok: false, reason, slow }`.
 */
export async function deliver(target: DeliveryTarget, event: DeliveryInput, options: DeliverOptions): Promise<DeliverResult> {
  if (!options || typeof options.secret !== 'string') {
    throw new TypeError('thunderphone-webhooks/testing: deliver(target, event, { secret }) needs the secret to sign with');
  }
  const { body, type } = toBody(event);
  const common = {
    body,
    secret: options.secret,
    ...(type !== undefined ? { type } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  };
  if (typeof target === 'string' || target instanceof URL) return sendDelivery({ ...common, url: String(target) });
  return deliverLocal(target, common);
}

function toBody(event: DeliveryInput): { body: string | Uint8Array; type: string | undefined } {
  if (event instanceof Uint8Array) return { body: event, type: typeOfBody(event) };
  if (typeof event === 'string') {
    if (event.trimStart().startsWith('{')) return { body: event, type: typeOfBody(event) };
    // An unknown type throws here with "there is no sample for ...; pass its data".
    const envelope = sampleEnvelope(event as KnownEventType);
    return { body: toWireBody(envelope), type: envelope.type };
  }
  const object: Record<string, unknown> | undefined = isPlainObject(event) ? event : undefined;
  if (typeof object?.body === 'string' && 'envelope' in object) return { body: object.body, type: typeOfBody(object.body) };
  if (typeof object?.type === 'string') return { body: toWireBody(object), type: object.type };
  throw new TypeError(
    'thunderphone-webhooks/testing: the event must be a type name, an envelope {type, data}, a sampleEvent() result or a raw body',
  );
}

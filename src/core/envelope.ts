import { WebhookError } from './errors.js';
import { isKnownType, type ThunderPhoneEvent } from './event-types.js';
import { parseJsonBody } from './json-body.js';

/** Decodes and checks an already-verified body. Throws `WebhookError` (400) when it is not an event. */
export function parseEnvelope(bytes: Uint8Array): ThunderPhoneEvent {
  const value = parseJsonBody(bytes);
  if (value === undefined) throw new WebhookError('invalid_json', 'body is not valid JSON');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new WebhookError('invalid_envelope', 'body must be a JSON object with "type" and "data"');
  }
  const { type, data } = value as { type?: unknown; data?: unknown };
  if (typeof type !== 'string' || type.length === 0) {
    throw new WebhookError('invalid_envelope', 'event has no "type" string');
  }
  if (isKnownType(type) && (data === null || typeof data !== 'object' || Array.isArray(data))) {
    throw new WebhookError('invalid_envelope', `${type} event has no "data" object`);
  }
  return value as ThunderPhoneEvent;
}

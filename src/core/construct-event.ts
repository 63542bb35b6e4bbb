import { toBytes, type BodyInput } from './bytes.js';
import { parseEnvelope } from './envelope.js';
import { WebhookError } from './errors.js';
import type { ThunderPhoneEvent } from './event-types.js';
import type { SecretInput } from './secrets.js';
import { checkSignature } from './signature.js';
import type { HeaderValue } from './signature-header.js';

/**
 * Verifies the signature over the exact bytes, then parses them into a typed event.
 * Throws `WebhookError` with a `code` (`missing_signature`, `invalid_signature`,
 * `invalid_json`, `invalid_envelope`) and a one-line message.
 */
export function constructEvent(body: BodyInput, signature: HeaderValue, secrets: SecretInput): ThunderPhoneEvent {
  const bytes = toBytes(body);
  const outcome = checkSignature(bytes, signature, secrets);
  if (!outcome.ok) throw new WebhookError(outcome.code, outcome.reason);
  return parseEnvelope(bytes);
}

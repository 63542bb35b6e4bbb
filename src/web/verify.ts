import { toBytes, type BodyInput } from '../core/bytes.js';
import { parseEnvelope } from '../core/envelope.js';
import { WebhookError } from '../core/errors.js';
import type { ThunderPhoneEvent } from '../core/event-types.js';
import type { SignatureVerifier } from '../core/receiver.js';
import { createConsoleLogger } from '../core/logger.js';
import { normalizeSecrets, warnAboutSecrets, type SecretInput } from '../core/secrets.js';
import type { HeaderValue } from '../core/signature-header.js';
import { createWebCryptoVerifier } from './webcrypto-verifier.js';

export type WebVerifyOutcome = Awaited<ReturnType<SignatureVerifier>>;

// One key cache for the standalone functions below; receivers keep their own.
const verifier = createWebCryptoVerifier();
const fallbackLogger = createConsoleLogger();

function secretList(input: SecretInput): string[] {
  const secrets = normalizeSecrets(input);
  warnAboutSecrets(secrets, fallbackLogger);
  return secrets;
}

/**
 * The WebCrypto counterpart of the main entry's `checkSignature`: says why a signature failed.
 * Async, because WebCrypto is. Throws only when no usable secret is given.
 */
export async function checkSignature(body: BodyInput, signature: HeaderValue, secrets: SecretInput): Promise<WebVerifyOutcome> {
  return verifier(toBytes(body), signature, secretList(secrets));
}

/** True when `signature` is a valid ThunderPhone signature of `body` under any of `secrets`. */
export async function verify(body: BodyInput, signature: HeaderValue, secrets: SecretInput): Promise<boolean> {
  return (await checkSignature(body, signature, secrets)).ok;
}

/**
 * Verifies the exact bytes, then parses them into a typed event:
 * `await constructEvent(await request.arrayBuffer(), request.headers.get('x-thunderphone-signature'), secret)`.
 * Rejects with `WebhookError` (`missing_signature`, `invalid_signature`, `invalid_json`, `invalid_envelope`).
 */
export async function constructEvent(body: BodyInput, signature: HeaderValue, secrets: SecretInput): Promise<ThunderPhoneEvent> {
  const bytes = toBytes(body);
  const outcome = await verifier(bytes, signature, secretList(secrets));
  if (!outcome.ok) throw new WebhookError(outcome.code, outcome.reason);
  return parseEnvelope(bytes);
}

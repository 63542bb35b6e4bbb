import { createHmac, timingSafeEqual } from 'node:crypto';
import { toBytes, type BodyInput } from './bytes.js';
import { createConsoleLogger } from './logger.js';
import { normalizeSecrets, warnAboutSecrets, type SecretInput } from './secrets.js';
import { parseSignatureHeader, type HeaderValue } from './signature-header.js';

/** Lower-case hex HMAC-SHA256 of the exact body bytes, keyed with the whole secret (whsec_ included). */
export function sign(body: BodyInput, secret: string): string {
  const [key] = normalizeSecrets(secret);
  return createHmac('sha256', key as string).update(toBytes(body)).digest('hex');
}

export type VerifyOutcome =
  | { ok: true; secretIndex: number }
  | { ok: false; code: 'missing_signature' | 'invalid_signature'; reason: string };

const fallbackLogger = createConsoleLogger();

/** Like `verify`, but says why a signature failed. Never throws on a bad header. */
export function checkSignature(body: BodyInput, signature: HeaderValue, secrets: SecretInput): VerifyOutcome {
  const keys = normalizeSecrets(secrets);
  warnAboutSecrets(keys, fallbackLogger);
  const bytes = toBytes(body);
  const parsed = parseSignatureHeader(signature);
  if (!parsed.ok) return parsed;
  const received = Buffer.from(parsed.hex, 'hex');
  // Try every secret, without stopping early, so timing does not reveal which one matched.
  let matched = -1;
  keys.forEach((key, i) => {
    const expected = createHmac('sha256', key).update(bytes).digest();
    if (timingSafeEqual(expected, received) && matched < 0) matched = i;
  });
  if (matched >= 0) return { ok: true, secretIndex: matched };
  return {
    ok: false,
    code: 'invalid_signature',
    reason:
      keys.length > 1
        ? `signature does not match the body for any of the ${keys.length} configured secrets`
        : 'signature does not match the body for the configured secret',
  };
}

/**
 * True when `signature` is a valid ThunderPhone signature of `body` under any of `secrets`.
 * `signature` may be a header value as Node gives it (string, string[] or undefined).
 */
export function verify(body: BodyInput, signature: HeaderValue, secrets: SecretInput): boolean {
  return checkSignature(body, signature, secrets).ok;
}

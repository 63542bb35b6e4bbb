import { createHmac, timingSafeEqual } from 'node:crypto';
import { takeDigests } from './body-digest.js';
import { toBytes, type BodyInput } from './bytes.js';
import { createConsoleLogger } from './logger.js';
import { normalizeSecrets, warnAboutSecrets, type SecretInput } from './secrets.js';
import { mismatchReason, parseSignatureHeader, type HeaderValue } from './signature-header.js';

/** Lower-case hex HMAC-SHA256 of the exact body bytes, keyed with the whole secret (whsec_ included). */
export function sign(body: BodyInput, secret: string): string {
  const [key] = normalizeSecrets(secret);
  return createHmac('sha256', key as string).update(toBytes(body)).digest('hex');
}

export type VerifyOutcome =
  | { ok: true; secretIndex: number }
  | { ok: false; code: 'missing_signature' | 'invalid_signature'; reason: string };

const fallbackLogger = createConsoleLogger();

// The secret of the previous call, already checked and warned about: a caller passes the same
// one every time, and checking it again would cost more than a 1 KiB HMAC. It is the caller's
// own string, kept by reference, never logged.
let checkedSecret: string | undefined;
let checkedKeys: readonly string[] = [];

function keysFor(secrets: SecretInput): readonly string[] {
  if (typeof secrets === 'string' && secrets === checkedSecret) return checkedKeys;
  const keys = normalizeSecrets(secrets);
  warnAboutSecrets(keys, fallbackLogger);
  if (typeof secrets === 'string') {
    checkedSecret = secrets;
    checkedKeys = keys;
  }
  return keys;
}

/** Like `verify`, but says why a signature failed. Never throws on a bad header. */
export function checkSignature(body: BodyInput, signature: HeaderValue, secrets: SecretInput): VerifyOutcome {
  return matchSignature(toBytes(body), signature, keysFor(secrets));
}

/**
 * The check itself, for receivers that validated their secrets once at start-up.
 * Every secret is tried, without stopping early, so timing does not reveal which one matched.
 */
export function matchSignature(bytes: Uint8Array, signature: HeaderValue, keys: readonly string[]): VerifyOutcome {
  const parsed = parseSignatureHeader(signature);
  if (!parsed.ok) return parsed;
  const received = Buffer.from(parsed.hex, 'hex');
  // Digests a Node adapter computed while these very bytes arrived, else hash them now.
  const macs = takeDigests(bytes, keys);
  let matched = -1;
  for (let i = 0; i < keys.length; i++) {
    const expected = macs?.[i] ?? createHmac('sha256', keys[i] as string).update(bytes).digest();
    if (timingSafeEqual(expected, received) && matched < 0) matched = i;
  }
  if (matched >= 0) return { ok: true, secretIndex: matched };
  return { ok: false, code: 'invalid_signature', reason: mismatchReason(keys.length) };
}

/**
 * True when `signature` is a valid ThunderPhone signature of `body` under any of `secrets`.
 * `signature` may be a header value as Node gives it (string, string[] or undefined).
 */
export function verify(body: BodyInput, signature: HeaderValue, secrets: SecretInput): boolean {
  return checkSignature(body, signature, secrets).ok;
}

import type { SignatureVerifier } from '../core/receiver.js';
import { mismatchReason, parseSignatureHeader } from '../core/signature-header.js';
import { hexToBytes } from './hex.js';

const encoder = new TextEncoder();

/**
 * A signature verifier built on WebCrypto (`crypto.subtle`), for runtimes without node:crypto.
 * Each secret is imported once: the returned verifier keeps its own key cache, so create one per
 * receiver. Outcomes and reasons match the Node `checkSignature`.
 */
export function createWebCryptoVerifier(maxKeys = 256): SignatureVerifier {
  const keys = new Map<string, Promise<CryptoKey>>();

  const keyFor = (secret: string): Promise<CryptoKey> => {
    let key = keys.get(secret);
    if (!key) {
      key = globalThis.crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
      // A failed import is not cached, so the next request tries again.
      key.catch(() => keys.delete(secret));
      keys.set(secret, key);
      // Bounded, for callers that verify with many different secrets (one per tenant, say):
      // the oldest import is dropped first.
      if (keys.size > maxKeys) keys.delete(keys.keys().next().value as string);
    }
    return key;
  };

  return async (body, signature, secrets) => {
    const parsed = parseSignatureHeader(signature);
    if (!parsed.ok) return parsed;
    const received = hexToBytes(parsed.hex) as Uint8Array<ArrayBuffer>;
    const data = body as Uint8Array<ArrayBuffer>;
    // Every secret is checked (crypto.subtle.verify compares in constant time), with no early
    // exit, so timing does not reveal which secret matched.
    const results = await Promise.all(
      secrets.map(async (secret) => globalThis.crypto.subtle.verify('HMAC', await keyFor(secret), received, data)),
    );
    if (results.some(Boolean)) return { ok: true };
    return { ok: false, code: 'invalid_signature', reason: mismatchReason(secrets.length) };
  };
}

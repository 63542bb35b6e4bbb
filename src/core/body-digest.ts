import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { normalizeSecrets, type SecretInput } from './secrets.js';

/**
 * HMACs computed while the body streams in, so verifying it needs no second pass over the
 * bytes. A digest is kept against the exact body object it covers (by identity, in a WeakMap
 * only this module writes) and the keys it used; `matchSignature` takes it from there, or
 * hashes the body itself when there is none.
 */
export interface BodyHasher {
  /** Feeds one chunk, in arrival order; usable directly as a stream 'data' listener. */
  update: (chunk: Uint8Array) => void;
  /** Seals the digests to `body`, if every byte of it went through `update` (else nothing is kept). */
  finish: (body: Uint8Array) => void;
}

/** Where a receiver built on Node's crypto keeps its hasher factory (not part of the public API). */
export const BODY_HASHER = Symbol.for('thunderphone-webhooks.body-hasher');

type Sealed = { keys: readonly string[]; macs: Buffer[] };
const sealed = new WeakMap<Uint8Array, Sealed>();

/**
 * `keyObjects`, when given, are the same keys made once into KeyObjects (UTF-8, as createHmac
 * reads a string key), which saves preparing the key on every request.
 */
export function createBodyHasher(keys: readonly string[], keyObjects?: readonly KeyObject[]): BodyHasher {
  const hmacs = keys.map((key, i) => createHmac('sha256', keyObjects?.[i] ?? key));
  let hashed = 0;
  return {
    update: (chunk) => {
      hashed += chunk.byteLength;
      for (const hmac of hmacs) hmac.update(chunk);
    },
    finish: (body) => {
      if (hashed === body.byteLength) sealed.set(body, { keys, macs: hmacs.map((hmac) => hmac.digest()) });
    },
  };
}

/** The digests sealed to `body` for exactly these keys, once; `undefined` when there are none. */
export function takeDigests(body: Uint8Array, keys: readonly string[]): Buffer[] | undefined {
  const entry = sealed.get(body);
  if (entry === undefined) return undefined;
  sealed.delete(body);
  if (entry.keys.length !== keys.length || entry.keys.some((key, i) => key !== keys[i])) return undefined;
  return entry.macs;
}

/** Gives a receiver a hasher factory for its secrets (the same list its options resolve to). */
export function withBodyHasher<R extends object>(receiver: R, secrets: SecretInput | undefined): R {
  const keys = normalizeSecrets(secrets);
  const keyObjects = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  return Object.assign(receiver, { [BODY_HASHER]: () => createBodyHasher(keys, keyObjects) });
}

/** The hasher factory of a receiver that has one (receivers verifying with WebCrypto have none). */
export function bodyHasherOf(core: object): (() => BodyHasher) | undefined {
  const make = (core as { [BODY_HASHER]?: unknown })[BODY_HASHER];
  return typeof make === 'function' ? (make as () => BodyHasher) : undefined;
}

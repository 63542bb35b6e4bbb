import type { BodyInput } from '../core/bytes.js';
import { sign } from '../core/signature.js';

export interface SignedHeaders {
  'content-type': 'application/json';
  'x-thunderphone-signature': string;
  [name: string]: string;
}

/**
 * The headers ThunderPhone sends with `body`, for posting it yourself (supertest, fetch,
 * app.inject): `request(app).post('/hook').set(signPayload(body, secret)).send(body)`.
 * Send `body` exactly as signed, as a string or bytes, never as an object.
 */
export function signPayload(body: BodyInput, secret: string): SignedHeaders {
  return { 'content-type': 'application/json', 'x-thunderphone-signature': sign(body, secret) };
}

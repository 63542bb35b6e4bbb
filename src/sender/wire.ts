import { toBytes, type BodyInput } from '../core/bytes.js';
import { serializeSorted } from '../core/lossless-json.js';
import { sign } from '../core/signature.js';

/** The body ThunderPhone would send for `envelope`: sorted keys, compact, non-ASCII as \uXXXX. */
export function toWireBody(envelope: unknown): string {
  return serializeSorted(envelope);
}

/** The headers ThunderPhone sends with a delivery; `extra` may add to or replace them. */
export function deliveryHeaders(body: BodyInput, secret: string, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-ThunderPhone-Signature': sign(toBytes(body), secret),
  };
  for (const [name, value] of Object.entries(extra)) {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  }
  return headers;
}

/** Reads `type` from a body without trusting it to be JSON; undefined when it has none. */
export function typeOfBody(body: BodyInput): string | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(toBytes(body))) as { type?: unknown };
    return typeof value?.type === 'string' ? value.type : undefined;
  } catch {
    return undefined;
  }
}

import { WebhookError } from './errors.js';

/** What the core hands back to an adapter: the adapter only writes it out. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const encoder = new TextEncoder();

export function jsonResponse(status: number, body: string, extra: Record<string, string> = {}): RawResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      // The UTF-8 byte length, not the JS string length, which differs for non-ASCII.
      'content-length': String(encoder.encode(body).byteLength),
      ...extra,
    },
    body,
  };
}

/** `allow` lists the methods named in a 405's Allow header. */
export function errorResponse(error: WebhookError, allow: readonly string[] = ['POST']): RawResponse {
  const extra: Record<string, string> = error.code === 'method_not_allowed' ? { allow: allow.join(', ') } : {};
  return jsonResponse(error.status, JSON.stringify({ error: error.code, message: error.message }), extra);
}

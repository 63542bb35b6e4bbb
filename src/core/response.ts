import { WebhookError } from './errors.js';

/** What the core hands back to an adapter: the adapter only writes it out. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonResponse(status: number, body: string, extra: Record<string, string> = {}): RawResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      // The UTF-8 byte length, not the JS string length, which differs for non-ASCII.
      'content-length': String(utf8Length(body)),
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

/** The UTF-8 byte length of `text` as TextEncoder (and Node) would write it, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one astral character
      i++;
    } else bytes += 3; // the rest of the BMP, and a lone surrogate, written as U+FFFD
  }
  return bytes;
}

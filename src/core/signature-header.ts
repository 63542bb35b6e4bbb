export const SIGNATURE_HEADER = 'x-thunderphone-signature';

export type HeaderValue = string | readonly string[] | undefined | null;

export type ParsedSignature =
  | { ok: true; hex: string }
  | { ok: false; code: 'missing_signature' | 'invalid_signature'; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Header policy (documented in the README):
 * - the header name is matched case-insensitively by the caller (see `getHeader`);
 * - surrounding spaces and tabs are ignored (RFC 9110 optional whitespace);
 * - the value must be exactly 64 lower-case hex digits: no `sha256=` prefix, no upper case;
 * - several values (an array, or Node's comma-joined duplicates) are accepted only when
 *   they are all the same and none is empty; differing values are refused rather than guessing
 *   which one counts.
 */
export function parseSignatureHeader(value: HeaderValue): ParsedSignature {
  // What ThunderPhone sends, checked without splitting: one bare, well-formed digest.
  if (typeof value === 'string' && value.length === 64 && HEX64.test(value)) return { ok: true, hex: value };
  const parts = (typeof value === 'string' ? [value] : Array.isArray(value) ? value : [])
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
    .map((v) => v.replace(/^[ \t]+|[ \t]+$/g, ''));

  if (parts.every((p) => p.length === 0)) {
    return { ok: false, code: 'missing_signature', reason: 'missing X-ThunderPhone-Signature header' };
  }
  if (parts.some((p) => p.length === 0)) {
    return { ok: false, code: 'invalid_signature', reason: 'X-ThunderPhone-Signature has an empty value among several' };
  }
  const first = parts[0] as string;
  const distinct = new Set(parts).size;
  if (distinct > 1) {
    return {
      ok: false,
      code: 'invalid_signature',
      reason: `X-ThunderPhone-Signature has ${distinct} different values (repeated headers or a comma-separated list); ThunderPhone sends one bare hex digest`,
    };
  }
  if (HEX64.test(first)) return { ok: true, hex: first };
  return { ok: false, code: 'invalid_signature', reason: describeMalformed(first) };
}

function describeMalformed(value: string): string {
  if (/^sha256=/i.test(value)) {
    return 'X-ThunderPhone-Signature has a "sha256=" prefix; ThunderPhone sends the bare hex digest';
  }
  if (/^[0-9a-fA-F]{64}$/.test(value)) {
    return 'X-ThunderPhone-Signature has upper-case hex; ThunderPhone sends lower-case hex';
  }
  if (value.length === 64) {
    return 'X-ThunderPhone-Signature must be 64 lower-case hex characters; it has 64 characters, but not all are hex digits';
  }
  return `X-ThunderPhone-Signature must be 64 lower-case hex characters, got ${value.length} characters`;
}

/** Case-insensitive header lookup over a plain record, as Node, Express and Koa hand them over. */
export function getHeader(
  headers: Record<string, HeaderValue | number> | undefined,
  name: string,
): string | readonly string[] | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  // Node and the Fetch API hand over lower-case names: try the direct look-up first.
  const direct = Object.hasOwn(headers, wanted) ? headers[wanted] : undefined;
  if (direct !== undefined && direct !== null) return typeof direct === 'number' ? String(direct) : direct;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const v = headers[key];
    if (typeof v === 'number') return String(v);
    return v ?? undefined;
  }
  return undefined;
}

/**
 * Where the README explains the usual causes of a mismatch (a body parser first, the wrong or a
 * padded secret, a proxy that re-encodes the body, legacy versus endpoint secrets). Stable: the
 * README keeps a heading with this anchor.
 */
export const SIGNATURE_TROUBLESHOOTING = 'README#troubleshooting-signature-failures';

/** The 401 reason when the header is well formed but no configured secret produced it. */
export function mismatchReason(secretCount: number): string {
  const which = secretCount > 1 ? `any of the ${secretCount} configured secrets` : 'the configured secret';
  return `signature does not match the body for ${which} (see ${SIGNATURE_TROUBLESHOOTING})`;
}

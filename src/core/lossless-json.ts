/**
 * JSON.parse, except that an integer too large for a JS number (beyond 2^53 - 1, such as a
 * 64-bit `call_id`) comes back as a string of its exact digits instead of a rounded number,
 * or as a bigint with `{ bigint: true }` (so serializeSorted writes it back as the same bare
 * integer). Safe integers and all other values parse exactly as JSON.parse does.
 */
export function parseJsonLossless(text: string, options: { bigint?: boolean } = {}): unknown {
  // The common case costs one JSON.parse and a walk over its numbers; only a payload that
  // really holds an unsafe integer is parsed again, the slow, exact way.
  const plain = JSON.parse(text) as unknown;
  if (!holdsUnsafeInteger(plain)) return plain;
  if (!options.bigint) return JSON.parse(quoteUnsafeIntegers(text, ''));
  // Random, so no string already in the text can be mistaken for a marked integer.
  const marker = `tpw-bigint-${Math.random().toString(36).slice(2)}:`;
  return JSON.parse(quoteUnsafeIntegers(text, marker), (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(marker) ? BigInt(value.slice(marker.length)) : value,
  );
}

// An integer literal beyond 2^53 - 1 always parses to a number of magnitude 2^53 or more
// (rounding cannot bring it below), so this finds every one. It also flags large floats such
// as 1e300; those only cost the slow path, which leaves them as JSON.parse reads them.
// Iterative, for deep nesting; only containers go on the stack.
function holdsUnsafeInteger(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return isLarge(value);
  const stack: object[] = [value];
  while (stack.length > 0) {
    const v = stack.pop() as Record<string, unknown> | unknown[];
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child = v[i];
        if (typeof child === 'object') {
          if (child !== null) stack.push(child);
        } else if (isLarge(child)) return true;
      }
    } else {
      for (const key in v) {
        const child = v[key];
        if (typeof child === 'object') {
          if (child !== null) stack.push(child);
        } else if (isLarge(child)) return true;
      }
    }
  }
  return false;
}

function isLarge(value: unknown): boolean {
  return typeof value === 'number' && (value > Number.MAX_SAFE_INTEGER || value < -Number.MAX_SAFE_INTEGER);
}

const SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);

function isUnsafe(digits: string): boolean {
  // A leading zero is invalid JSON; leave it unquoted so JSON.parse still rejects it.
  if (digits.length > 1 && digits.startsWith('0')) return false;
  return digits.length > SAFE_DIGITS.length || (digits.length === SAFE_DIGITS.length && digits > SAFE_DIGITS);
}

// Walks the text once, skipping string literals, and wraps unsafe integer literals in quotes
// (after `marker`). Invalid JSON is left for JSON.parse to report.
function quoteUnsafeIntegers(text: string, marker: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let j = i + (c === 0x2d ? 1 : 0);
      while (j < text.length && isDigit(text.charCodeAt(j))) j++;
      const next = text.charCodeAt(j);
      const isInteger = next !== 0x2e /* . */ && next !== 0x65 /* e */ && next !== 0x45; /* E */
      if (isInteger && isUnsafe(text.slice(c === 0x2d ? i + 1 : i, j))) {
        out += `${text.slice(last, i)}"${marker}${text.slice(i, j)}"`;
        last = j;
      }
      while (j < text.length && /[0-9.eE+-]/.test(text[j] as string)) j++;
      i = j;
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Compact, sorted-key JSON, the way ThunderPhone (a Python service) serialises what it sends:
 * no whitespace, keys sorted, non-ASCII escaped as \uXXXX. A bigint is written as a bare integer.
 */
export function serializeSorted(value: unknown): string {
  const text = write(value);
  if (text === undefined) throw new TypeError('cannot serialise undefined as JSON');
  return text;
}

function write(value: unknown): string | undefined {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : escapeNonAscii(json);
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return write((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((v) => write(v) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort(byCodePoint)) {
    const v = write((value as Record<string, unknown>)[key]);
    if (v !== undefined) parts.push(`${escapeNonAscii(JSON.stringify(key))}:${v}`);
  }
  return `{${parts.join(',')}}`;
}

// Python's sort_keys orders by code point; Array.prototype.sort compares UTF-16 units, which
// puts astral characters (surrogates, U+D800..) before U+E000..U+FFFF.
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (ch) => ch.codePointAt(0) as number);
  const y = Array.from(b, (ch) => ch.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

// Python's ensure_ascii escapes everything outside space..tilde, so DEL (U+007F) too.
function escapeNonAscii(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

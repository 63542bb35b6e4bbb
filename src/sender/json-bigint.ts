/**
 * JSON.parse, except that integers beyond 2^53 become bigints, so that writing the value back
 * with serializeSorted gives the same bare integer (a 64-bit call_id in a --data file stays a
 * number on the wire instead of being rounded or turned into a string).
 */
export function parseJsonKeepingBigInts(text: string): unknown {
  // Random, so no string in the file can be mistaken for a marked integer.
  const marker = `tp-bigint-${Math.random().toString(36).slice(2)}:`;
  const marked = markUnsafeIntegers(text, marker);
  if (marked === text) return JSON.parse(text);
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(marker) ? BigInt(value.slice(marker.length)) : value,
  );
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Skips string literals; wraps integer literals too large for a number in a marked string.
function markUnsafeIntegers(text: string, marker: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; ) {
    const ch = text[i] as string;
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    const m = ch === '-' || (ch >= '0' && ch <= '9') ? NUMBER.exec(text.slice(i, i + 400)) : null;
    if (m) {
      const literal = m[0];
      if (/^-?\d+$/.test(literal) && absBig(literal) > MAX_SAFE) {
        out += `${text.slice(copied, i)}"${marker}${literal}"`;
        copied = i + literal.length;
      }
      i += literal.length;
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function absBig(literal: string): bigint {
  const n = BigInt(literal);
  return n < 0n ? -n : n;
}

export type BodyInput = Uint8Array | ArrayBuffer | string;

const encoder = new TextEncoder();

/** The exact bytes to hash. A string is taken as UTF-8; a Buffer is a Uint8Array already. */
export function toBytes(body: BodyInput): Uint8Array {
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError(
    `the body must be the raw bytes (Buffer, Uint8Array, ArrayBuffer) or the raw string, got ${describe(body)}; ` +
      'a parsed object cannot be verified because re-serialising changes the bytes',
  );
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

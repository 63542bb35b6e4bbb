/**
 * Deep-merges `overrides` into a copy of `base`: plain objects merge key by key, anything else
 * (arrays, strings, null) replaces. A key set to `undefined` is removed, so an override can
 * drop a field from a sample. Neither input is modified.
 */
export function deepMerge<T>(base: T, overrides: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(overrides)) {
    return (overrides === undefined ? clone(base) : clone(overrides)) as T;
  }
  const out: Record<string, unknown> = clone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key];
    else setOwn(out, key, Object.hasOwn(out, key) ? deepMerge(out[key], value) : clone(value));
  }
  return out as T;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Plain assignment of "__proto__" would change the prototype instead of adding the key.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

/**
 * Deepest nesting accepted in a received body. ThunderPhone's payloads nest a handful of levels;
 * much deeper JSON parses fine but makes JSON.stringify, structuredClone and any recursive walk in
 * a handler throw a stack overflow, which would fail the delivery on every retry.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Why a parsed body is refused even though it is valid JSON, or undefined when it is fine. Walks
 * the value iteratively (so depth itself cannot overflow the stack) and refuses keys that turn
 * into prototype pollution in a naive deep merge: `__proto__` anywhere, and `constructor` whose
 * value holds `prototype`. JSON.parse itself makes them plain own properties; the danger is what a
 * handler does next.
 */
export function unsafeJsonShape(value: unknown, maxDepth: number = MAX_JSON_DEPTH): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return `body nests deeper than ${maxDepth} levels`;
    if (Array.isArray(v)) {
      for (const child of v) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
      continue;
    }
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      if (key === '__proto__') return 'body has a "__proto__" key, refused so that no merge of it can pollute prototypes';
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
        return 'body has a "constructor" key holding "prototype", refused so that no merge of it can pollute prototypes';
      }
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

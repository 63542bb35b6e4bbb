import { KNOWN_EVENT_TYPES } from './event-types.js';

/** The known event type a mistyped name most likely meant (within 3 edits), if any. */
export function closestKnownType(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const known of KNOWN_EVENT_TYPES) {
    const d = editDistance(name, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

/** Why registering a handler for `name` deserves a warning, or undefined for a known type. */
export function unknownTypeWarning(name: string): string | undefined {
  if ((KNOWN_EVENT_TYPES as readonly string[]).includes(name)) return undefined;
  const guess = closestKnownType(name);
  return (
    `a handler was registered for "${name}", which is not an event type ThunderPhone is known to send` +
    (guess ? ` (did you mean "${guess}"?)` : '') +
    '; it only runs if such an event arrives'
  );
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

import { KNOWN_EVENT_TYPES, type KnownEventType } from '../core/event-types.js';
import { ThunderPhoneApiError } from './errors.js';

/** The legacy-URL names; endpoints deliver the same events as `telephony.*` / `web.*`. */
const LEGACY_ONLY = ['call.incoming', 'call.complete'] as const;

export type EndpointEventType = Exclude<KnownEventType, (typeof LEGACY_ONLY)[number]>;

/**
 * The values ThunderPhone accepts in a webhook endpoint's `events` (anything else is a 400):
 * every known type but the legacy-only names. An empty list subscribes to every event.
 */
export const ENDPOINT_EVENT_TYPES: readonly EndpointEventType[] = KNOWN_EVENT_TYPES.filter(
  (type): type is EndpointEventType => !(LEGACY_ONLY as readonly string[]).includes(type),
);

// What to suggest for each legacy name.
const LEGACY_NAMES: Record<string, string> & Record<(typeof LEGACY_ONLY)[number], string> = {
  'call.incoming': 'telephony.incoming (or web.incoming for widget sessions)',
  'call.complete': 'telephony.complete (or web.complete for widget sessions)',
};

/**
 * Checks `events` before anything is sent: each must be a documented endpoint event, listed once.
 * Returns a copy. The error names the first bad value and what was probably meant.
 */
export function validateEndpointEvents(events: unknown): EndpointEventType[] {
  if (!Array.isArray(events)) throw invalid('events must be a list of event types (an empty list means every event)');
  const seen = new Set<string>();
  for (const name of events) {
    if (typeof name !== 'string') throw invalid('events must hold only strings');
    if (seen.has(name)) throw invalid(`event type "${name}" is listed twice`);
    seen.add(name);
    if ((ENDPOINT_EVENT_TYPES as readonly string[]).includes(name)) continue;
    const legacy = LEGACY_NAMES[name];
    if (legacy) {
      throw invalid(`"${name}" is the legacy webhook URL's name; webhook endpoints deliver it as ${legacy}`);
    }
    throw invalid(`unknown event type ${JSON.stringify(name.slice(0, 80))}; webhook endpoints accept ${ENDPOINT_EVENT_TYPES.join(', ')}`);
  }
  return [...events] as EndpointEventType[];
}

function invalid(message: string): ThunderPhoneApiError {
  return new ThunderPhoneApiError('invalid_events', message);
}

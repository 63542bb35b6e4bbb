import { hostname } from 'node:os';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhook,
  listWebhookEndpoints,
  setWebhookUrl,
  MAX_LABEL_LENGTH,
  type ApiOptions,
  type WebhookEndpoint,
} from '../api/index.js';
import { hideUrlCredentials } from '../api/url.js';
import type { EndpointEventType } from '../api/event-names.js';
import { clearLegacyState, readLegacyState, writeLegacyState } from './listen-legacy-state.js';

const LABEL_PREFIX = 'listen: ';

/** The label of this machine's temporary endpoints; how leftovers of crashed runs are found. */
export function listenLabel(host = hostname()): string {
  return `${LABEL_PREFIX}${host}`.slice(0, MAX_LABEL_LENGTH);
}

/** Where deliveries go while listen runs, and how to undo it. */
export interface Registration {
  secret: string;
  /** One line for the terminal. */
  description: string;
  /** Undoes the registration; resolves with the lines to print. Throws when it could not. */
  undo(): Promise<string>;
}

export async function findLeftovers(label: string, api: ApiOptions): Promise<WebhookEndpoint[]> {
  return (await listWebhookEndpoints(api)).filter((endpoint) => endpoint.label === label);
}

export function describeEndpoint(endpoint: WebhookEndpoint): string {
  return `${endpoint.id} ${hideUrlCredentials(endpoint.url)} (${endpoint.status}${endpoint.created_at ? `, created ${endpoint.created_at}` : ''})`;
}

export async function registerEndpoint(url: string, label: string, events: EndpointEventType[], api: ApiOptions): Promise<Registration> {
  const endpoint = await createWebhookEndpoint({ url, label, events }, api);
  return {
    secret: endpoint.secret,
    description: `temporary webhook endpoint ${endpoint.id} "${label}" for ${events.length === 0 ? 'every event' : events.join(', ')}`,
    async undo() {
      const { deleted } = await deleteWebhookEndpoint(endpoint.id, api);
      return deleted ? `deleted the temporary webhook endpoint ${endpoint.id}` : `the temporary webhook endpoint ${endpoint.id} was already gone`;
    },
  };
}

/**
 * `--legacy`: points the org's single webhook URL here, and back on exit. Both PUTs rotate its
 * secret. The URL to put back is kept in `stateDir` while it runs; when the org's URL is still the
 * one a crashed run set, the URL that run kept is the one put back.
 */
export async function registerLegacy(
  url: string,
  api: ApiOptions & { baseUrl: string },
  stateDir: string,
  say: (line: string) => void,
): Promise<Registration> {
  const current = await getWebhook(api);
  let previousUrl = current?.url;
  const crashed = readLegacyState(stateDir);
  if (crashed && crashed.apiUrl === api.baseUrl && current?.url === crashed.tunnelUrl) {
    previousUrl = crashed.previousUrl ?? undefined;
    say(
      `an earlier "listen --legacy" did not put the legacy webhook URL back (it still points at its tunnel, ${hideUrlCredentials(crashed.tunnelUrl)}); ` +
        `this run will restore ${previousUrl ? hideUrlCredentials(previousUrl) : 'nothing (none was set before it)'} on exit`,
    );
  }
  writeLegacyState(stateDir, { apiUrl: api.baseUrl, tunnelUrl: url, previousUrl: previousUrl ?? null });
  let webhook;
  try {
    webhook = await setWebhookUrl(url, api);
  } catch (error) {
    if (crashed === undefined) clearLegacyState(stateDir);
    throw error;
  }
  return {
    secret: webhook.secret,
    description:
      `the legacy webhook URL (every event type, call.incoming included), which was ${previousUrl ? hideUrlCredentials(previousUrl) : 'not set'}; ` +
      'its secret was rotated, so a deployed receiver refuses deliveries until listen exits and you update it',
    async undo() {
      if (previousUrl === undefined) {
        clearLegacyState(stateDir);
        return 'no legacy webhook URL was set before listen, and ThunderPhone has no way to remove one: it still points at the closed tunnel; set your real URL with "thunderphone-webhooks setup --url URL"';
      }
      await setWebhookUrl(previousUrl, api);
      clearLegacyState(stateDir);
      return (
        `put the legacy webhook URL back to ${hideUrlCredentials(previousUrl)}; ThunderPhone issued a NEW secret for it: ` +
        'read it with "thunderphone-webhooks setup" and give it to your deployed receiver'
      );
    },
  };
}

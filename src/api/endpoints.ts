import { resolveConfig, type ApiConfig, type ApiOptions } from './config.js';
import { ThunderPhoneApiError } from './errors.js';
import { validateEndpointEvents, type EndpointEventType } from './event-names.js';
import { requestJson } from './request.js';
import { sameWebhookUrl, validateWebhookUrl } from './url.js';

const ENDPOINTS_PATH = '/v1/developer/webhook-endpoints';
/** ThunderPhone's limit on an endpoint label. */
export const MAX_LABEL_LENGTH = 120;

/** A webhook endpoint as ThunderPhone lists it. Its secret is never readable after creation. */
export interface WebhookEndpoint {
  /** A UUID. */
  id: string;
  label: string;
  url: string;
  /** Subscribed event types; empty means every event. */
  events: string[];
  /** `active`, `disabled` or `failing` (after 24 h of failed deliveries). */
  status: string;
  /** Like `whsec_abc…xyz12`: enough to tell secrets apart, not to verify anything. */
  secret_hint: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** The answer to a create: the only time the endpoint's signing secret is shown. */
export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  secret: string;
}

export interface NewWebhookEndpoint {
  url: string;
  label: string;
  /** Event types to deliver; empty or omitted means every event. */
  events?: readonly string[];
}

export interface WebhookEndpointChanges {
  url?: string;
  label?: string;
  events?: readonly string[];
  status?: 'active' | 'disabled';
}

export async function listWebhookEndpoints(options?: ApiOptions): Promise<WebhookEndpoint[]> {
  return listWith(resolveConfig(options));
}

/** Creates an endpoint; the returned `secret` is shown this once, so keep it. Never retried once sent. */
export async function createWebhookEndpoint(endpoint: NewWebhookEndpoint, options?: ApiOptions): Promise<CreatedWebhookEndpoint> {
  const body = newEndpointBody(endpoint);
  return createWith(resolveConfig(options), body);
}

export async function updateWebhookEndpoint(id: string, changes: WebhookEndpointChanges, options?: ApiOptions): Promise<WebhookEndpoint> {
  const path = endpointPath(id);
  const body = changesBody(changes);
  const config = resolveConfig(options);
  return toEndpoint(await requestJson(config, { method: 'PATCH', path, body }), 'PATCH', path);
}

/** Deletes an endpoint. Resolves `{deleted: false}` when it was already gone (ThunderPhone answered 404). */
export async function deleteWebhookEndpoint(id: string, options?: ApiOptions): Promise<{ deleted: boolean }> {
  const path = endpointPath(id);
  return deleteWith(resolveConfig(options), path);
}

export type EndpointChange = 'created' | 'updated' | 'unchanged';

export interface EnsureEndpointResult {
  endpoint: WebhookEndpoint;
  changed: EndpointChange;
  /** Only for `created`: the one-time signing secret. */
  secret?: string;
  /** Other endpoints with the same URL, left as they are. */
  duplicates: WebhookEndpoint[];
}

/**
 * Idempotent registration: lists the endpoints; one with the same URL is updated to the given
 * label and events (nothing is sent when they already match); otherwise one is created.
 * An update keeps the endpoint's secret, so its receivers keep working.
 */
export async function ensureWebhookEndpoint(endpoint: NewWebhookEndpoint, options?: ApiOptions): Promise<EnsureEndpointResult> {
  const body = newEndpointBody(endpoint);
  const config = resolveConfig(options);
  const matching = (await listWith(config)).filter((row) => sameWebhookUrl(row.url, body.url));
  const [existing, ...duplicates] = matching;
  if (existing === undefined) {
    const created = await createWith(config, body);
    const { secret, ...rest } = created;
    return { endpoint: rest, changed: 'created', secret, duplicates: [] };
  }
  if (existing.label === body.label && sameEvents(existing.events, body.events)) {
    return { endpoint: existing, changed: 'unchanged', duplicates };
  }
  const path = endpointPath(existing.id);
  const updated = toEndpoint(
    await requestJson(config, { method: 'PATCH', path, body: { label: body.label, events: body.events } }),
    'PATCH',
    path,
  );
  return { endpoint: updated, changed: 'updated', duplicates };
}

interface EndpointBody {
  url: string;
  label: string;
  events: EndpointEventType[];
}

function newEndpointBody(endpoint: NewWebhookEndpoint): EndpointBody {
  return {
    url: validateWebhookUrl(endpoint?.url),
    label: validateLabel(endpoint.label),
    events: validateEndpointEvents(endpoint.events ?? []),
  };
}

function changesBody(changes: WebhookEndpointChanges): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (changes.url !== undefined) body.url = validateWebhookUrl(changes.url);
  if (changes.label !== undefined) body.label = validateLabel(changes.label);
  if (changes.events !== undefined) body.events = validateEndpointEvents(changes.events);
  if (changes.status !== undefined) {
    if (changes.status !== 'active' && changes.status !== 'disabled') {
      throw new ThunderPhoneApiError('bad_request', 'status can only be set to "active" or "disabled"');
    }
    body.status = changes.status;
  }
  if (Object.keys(body).length === 0) throw new ThunderPhoneApiError('bad_request', 'nothing to update: give url, label, events or status');
  return body;
}

export function validateLabel(label: unknown): string {
  if (typeof label !== 'string' || label.trim() === '') {
    throw new ThunderPhoneApiError('invalid_label', 'an endpoint label is required (1 to 120 characters)');
  }
  if (label.length > MAX_LABEL_LENGTH) {
    throw new ThunderPhoneApiError('invalid_label', `an endpoint label is at most ${MAX_LABEL_LENGTH} characters; got ${label.length}`);
  }
  return label;
}

function endpointPath(id: unknown): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(id)) {
    throw new ThunderPhoneApiError('invalid_endpoint_id', 'a webhook endpoint id is a UUID such as c4d5e6f7-...');
  }
  return `${ENDPOINTS_PATH}/${id}`;
}

async function listWith(config: ApiConfig): Promise<WebhookEndpoint[]> {
  const body = await requestJson(config, { method: 'GET', path: ENDPOINTS_PATH });
  // Lists are plain arrays; a paginated {results: [...]} is accepted too, in case it changes.
  const rows = Array.isArray(body) ? body : (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(rows)) throw unexpected('GET', ENDPOINTS_PATH, 'not a list');
  return rows.map((row) => toEndpoint(row, 'GET', ENDPOINTS_PATH));
}

async function createWith(config: ApiConfig, body: EndpointBody): Promise<CreatedWebhookEndpoint> {
  const answer = await requestJson(config, { method: 'POST', path: ENDPOINTS_PATH, body, idempotent: false });
  const endpoint = toEndpoint(answer, 'POST', ENDPOINTS_PATH);
  const secret = (answer as { secret?: unknown }).secret;
  if (typeof secret !== 'string' || secret === '') throw unexpected('POST', ENDPOINTS_PATH, 'no non-empty string "secret"');
  return { ...endpoint, secret };
}

async function deleteWith(config: ApiConfig, path: string): Promise<{ deleted: boolean }> {
  try {
    await requestJson(config, { method: 'DELETE', path });
    return { deleted: true };
  } catch (error) {
    if (error instanceof ThunderPhoneApiError && error.code === 'not_found') return { deleted: false };
    throw error;
  }
}

function toEndpoint(value: unknown, method: string, path: string): WebhookEndpoint {
  const row = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  if (typeof row.id !== 'string' || row.id === '') throw unexpected(method, path, 'no string "id"');
  if (typeof row.url !== 'string') throw unexpected(method, path, 'no string "url"');
  const text = (key: string) => (typeof row[key] === 'string' ? (row[key] as string) : null);
  return {
    id: row.id,
    label: text('label') ?? '',
    url: row.url,
    events: Array.isArray(row.events) ? row.events.filter((e): e is string => typeof e === 'string') : [],
    status: text('status') ?? 'active',
    secret_hint: text('secret_hint'),
    created_at: text('created_at'),
    updated_at: text('updated_at'),
  };
}

function sameEvents(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

function unexpected(method: string, path: string, problem: string): ThunderPhoneApiError {
  return new ThunderPhoneApiError('invalid_response', `unexpected answer to ${method} ${path}: ${problem}`, { method, path });
}

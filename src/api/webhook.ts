import { resolveConfig, type ApiConfig, type ApiOptions } from './config.js';
import { ThunderPhoneApiError } from './errors.js';
import { requestJson } from './request.js';
import { sameWebhookUrl, validateWebhookUrl } from './url.js';

const WEBHOOK_PATH = '/v1/webhook';

/** The org's legacy single-URL webhook, as `GET /v1/webhook` returns it. */
export interface WebhookConfig {
  url: string;
  /** The `whsec_...` signing secret. Treat it like a password. */
  secret: string;
  created_at: string | null;
  updated_at: string | null;
}

export interface EnsureWebhookOptions extends ApiOptions {
  /** PUT even when the URL is already set, which rotates the secret. */
  force?: boolean;
}

export type WebhookChange =
  /** No webhook existed; one was created with a new secret. */
  | 'created'
  /** The URL was already set; nothing was sent, the secret is the one already in use. */
  | 'unchanged'
  /** A different URL was replaced; ThunderPhone issued a new secret. */
  | 'updated'
  /** `force` re-sent the same URL; ThunderPhone issued a new secret. */
  | 'rotated';

export interface EnsureWebhookResult {
  webhook: WebhookConfig;
  changed: WebhookChange;
  /** True when the secret differs from the one in use before (always, except for 'unchanged'). */
  secretChanged: boolean;
  /** The URL that was set before, for 'updated' and 'rotated'. */
  previousUrl?: string;
}

/** Reads the org's webhook; `null` when none is configured yet (ThunderPhone answers 404). */
export async function getWebhook(options?: ApiOptions): Promise<WebhookConfig | null> {
  return fetchWebhook(resolveConfig(options));
}

/**
 * Sets the webhook URL with `PUT /v1/webhook`. ThunderPhone generates a NEW secret on
 * every PUT, even for the same URL, so a receiver holding the old one starts refusing
 * deliveries. Use `ensureWebhookUrl` to avoid rotating by accident.
 */
export async function setWebhookUrl(url: string, options?: ApiOptions): Promise<WebhookConfig> {
  validateWebhookUrl(url);
  return putWebhook(resolveConfig(options), url);
}

/** Sets the URL only when needed: GET first, PUT only if the URL is missing or different (or `force`). */
export async function ensureWebhookUrl(url: string, options: EnsureWebhookOptions = {}): Promise<EnsureWebhookResult> {
  validateWebhookUrl(url);
  const config = resolveConfig(options);
  const current = await fetchWebhook(config);
  if (current === null) {
    return { webhook: await putWebhook(config, url), changed: 'created', secretChanged: true };
  }
  const same = sameWebhookUrl(current.url, url);
  if (same && !options.force) {
    return { webhook: current, changed: 'unchanged', secretChanged: false };
  }
  const webhook = await putWebhook(config, url);
  return { webhook, changed: same ? 'rotated' : 'updated', secretChanged: true, previousUrl: current.url };
}

async function fetchWebhook(config: ApiConfig): Promise<WebhookConfig | null> {
  try {
    return toWebhook(await requestJson(config, { method: 'GET', path: WEBHOOK_PATH }), 'GET');
  } catch (error) {
    if (error instanceof ThunderPhoneApiError && error.code === 'not_found') return null;
    throw error;
  }
}

async function putWebhook(config: ApiConfig, url: string): Promise<WebhookConfig> {
  return toWebhook(await requestJson(config, { method: 'PUT', path: WEBHOOK_PATH, body: { url } }), 'PUT');
}

function toWebhook(body: unknown, method: string): WebhookConfig {
  const row = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const problem =
    typeof row.url !== 'string'
      ? 'no string "url"'
      : typeof row.secret !== 'string' || row.secret === ''
        ? 'no non-empty string "secret"'
        : undefined;
  if (problem) {
    throw new ThunderPhoneApiError('invalid_response', `unexpected answer to ${method} ${WEBHOOK_PATH}: ${problem}`, {
      method,
      path: WEBHOOK_PATH,
    });
  }
  return {
    url: row.url as string,
    secret: row.secret as string,
    created_at: typeof row.created_at === 'string' ? row.created_at : null,
    updated_at: typeof row.updated_at === 'string' ? row.updated_at : null,
  };
}

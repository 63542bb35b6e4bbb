import { ThunderPhoneApiError } from './errors.js';
import { isLocalHost } from './url.js';

export const DEFAULT_API_URL = 'https://api.thunderphone.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_DELAY_MS = 250;

export interface ApiOptions {
  /** An `sk_live_...` key. Defaults to `env.THUNDERPHONE_API_KEY`. */
  apiKey?: string;
  /** Defaults to `env.THUNDERPHONE_API_URL`, then https://api.thunderphone.com (without /v1). */
  baseUrl?: string;
  /** Per attempt, covering the response body too. Default 10000. */
  timeoutMs?: number;
  /** Extra attempts after a 5xx, a network error or a timeout. 4xx are never retried. Default 3. */
  retries?: number;
  /** First backoff delay; it doubles on each retry (with jitter). Default 250. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
  /**
   * Called before each retry (after a 5xx, a network error or a timeout), e.g. to tell the user
   * why nothing has happened yet. It may not change anything; if it throws, the error is ignored.
   */
  onRetry?: (info: RetryInfo) => void;
  /** Where THUNDERPHONE_API_KEY / THUNDERPHONE_API_URL are read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface RetryInfo {
  /** The attempt about to be sent: 2 for the first retry. */
  attempt: number;
  /** 1 + retries. */
  maxAttempts: number;
  method: string;
  path: string;
  /** How long until it is sent. */
  delayMs: number;
  /** What went wrong with the previous attempt, one line, without an attempt count. */
  reason: string;
  error: ThunderPhoneApiError;
}

export interface ApiConfig {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  fetch: typeof fetch;
  onRetry: ((info: RetryInfo) => void) | undefined;
}

export function resolveConfig(options: ApiOptions = {}): ApiConfig {
  const env = options.env ?? globalThis.process?.env ?? {};
  return {
    apiKey: resolveApiKey(options.apiKey ?? env.THUNDERPHONE_API_KEY),
    baseUrl: resolveBaseUrl(options.baseUrl ?? env.THUNDERPHONE_API_URL ?? DEFAULT_API_URL),
    timeoutMs: nonNegative(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs', 1),
    retries: Math.floor(nonNegative(options.retries, DEFAULT_RETRIES, 'retries', 0)),
    retryDelayMs: nonNegative(options.retryDelayMs, DEFAULT_RETRY_DELAY_MS, 'retryDelayMs', 0),
    fetch: options.fetch ?? globalThis.fetch,
    onRetry: options.onRetry,
  };
}

function resolveApiKey(raw: string | undefined): string {
  const key = raw?.trim() ?? '';
  if (key === '') {
    throw new ThunderPhoneApiError('missing_api_key', 'no ThunderPhone API key: pass apiKey or set THUNDERPHONE_API_KEY');
  }
  // fetch would quote the whole header value in its own error, so refuse odd bytes here.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new ThunderPhoneApiError('invalid_api_key', 'the ThunderPhone API key contains spaces or non-ASCII characters');
  }
  if (key.startsWith('pk_')) {
    throw new ThunderPhoneApiError(
      'invalid_api_key',
      'publishable keys (pk_...) are not accepted by the ThunderPhone REST API; use a secret sk_live_... key',
    );
  }
  return key;
}

function resolveBaseUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    throw new ThunderPhoneApiError('invalid_base_url', 'the ThunderPhone API base URL (THUNDERPHONE_API_URL) is not a URL');
  }
  const secure = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLocalHost(parsed.hostname));
  if (!secure) {
    throw new ThunderPhoneApiError(
      'invalid_base_url',
      `the ThunderPhone API base URL must use https (http only for localhost), so the API key is never sent in clear; got ${parsed.origin}`,
    );
  }
  // Paths below start with /v1; tolerate a base URL given with it (a common slip).
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${parsed.origin}${path}`;
}

function nonNegative(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`thunderphone-webhooks: ${name} must be a number >= ${min}`);
  }
  return value;
}

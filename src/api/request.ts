import type { ApiConfig, RetryInfo } from './config.js';
import { ThunderPhoneApiError } from './errors.js';
import { errorDetail } from './response-detail.js';
import { plural, statusError } from './status-error.js';

export interface ApiRequest {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  /** Starts with /v1/. */
  path: string;
  body?: unknown;
  /**
   * False for a request that must not run twice (a POST that creates something). After a 5xx or
   * a timeout it may have taken effect, so it is retried only when the connection itself failed
   * (refused, or the host not found), which proves it never reached ThunderPhone.
   */
  idempotent?: boolean;
}

// Network failures that happen before a single byte of the request is sent.
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

const MAX_BACKOFF_MS = 8_000;

/**
 * Sends one API request and returns its parsed JSON body (2xx only).
 * 5xx answers, network failures and timeouts are retried with exponential backoff;
 * any 4xx is final, since sending the same request again cannot change the answer.
 */
export async function requestJson(config: ApiConfig, request: ApiRequest): Promise<unknown> {
  const maxAttempts = config.retries + 1;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await attemptOnce(config, request, attempt);
    } catch (error) {
      if (!isRetryable(error, request.idempotent !== false) || attempt >= maxAttempts) throw error;
      const delayMs = backoffMs(config.retryDelayMs, attempt);
      announceRetry(config, { attempt: attempt + 1, maxAttempts, method: request.method, path: request.path, delayMs, reason: withoutAttempts(error.message), error });
      await sleep(delayMs);
    }
  }
}

function announceRetry(config: ApiConfig, info: RetryInfo): void {
  try {
    config.onRetry?.(info);
  } catch {
    // Only a notice; the retry matters more.
  }
}

// The messages count attempts ("after 1 attempt", "(1 attempt)"); a retry notice has its own count.
function withoutAttempts(message: string): string {
  return message.replace(/ after \d+ attempts?(?=:|$)/, '').replace(/ \(\d+ attempts?\)$/, '');
}

function isRetryable(error: unknown, idempotent: boolean): error is ThunderPhoneApiError {
  if (!(error instanceof ThunderPhoneApiError)) return false;
  if (!idempotent) return error.code === 'network_error' && NEVER_SENT.has(networkReason(error.cause) ?? '');
  return error.code === 'server_error' || error.code === 'network_error' || error.code === 'timeout';
}

async function attemptOnce(config: ApiConfig, request: ApiRequest, attempt: number): Promise<unknown> {
  const { method, path } = request;
  const headers: Record<string, string> = {
    Authorization: `Bearer ${config.apiKey}`,
    Accept: 'application/json',
    'User-Agent': 'thunderphone-webhooks',
  };
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';

  let status: number;
  let text: string;
  try {
    const response = await config.fetch(`${config.baseUrl}${path}`, {
      method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(config.timeoutMs),
      redirect: 'manual',
    });
    status = response.status;
    text = await response.text(); // under the same timeout signal
  } catch (error) {
    throw transportError(error, config, request, attempt);
  }

  if (status < 200 || status >= 300) {
    throw statusError({ status, method, path, attempts: attempt, detail: errorDetail(text, config.apiKey) });
  }
  // 204 No Content (a DELETE) has no body to parse.
  if (text.trim() === '' && (status === 204 || method === 'DELETE')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ThunderPhoneApiError('invalid_response', `ThunderPhone answered ${method} ${path} with a body that is not JSON`, {
      status,
      method,
      path,
      attempts: attempt,
    });
  }
}

function transportError(error: unknown, config: ApiConfig, request: ApiRequest, attempt: number): ThunderPhoneApiError {
  const { method, path } = request;
  const details = { method, path, attempts: attempt };
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ThunderPhoneApiError(
      'timeout',
      `ThunderPhone did not answer ${method} ${path} within ${config.timeoutMs} ms (${plural(attempt)})`,
      details,
    );
  }
  // The cause is kept out of the error object: undici's may quote request headers.
  const reason = networkReason(error);
  // Only the machine code is kept as the cause, so a retry policy can read it.
  const cause = reason === undefined ? undefined : new Error(reason, { cause: { code: reason } });
  return new ThunderPhoneApiError(
    'network_error',
    `could not reach ThunderPhone at ${new URL(config.baseUrl).origin} for ${method} ${path}${reason ? ` (${reason})` : ''} after ${plural(attempt)}`,
    cause === undefined ? details : { ...details, cause },
  );
}

/** A short machine reason such as ECONNREFUSED or UND_ERR_SOCKET, never a free-text message. */
function networkReason(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = cause && typeof cause === 'object' ? cause.code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : undefined;
}

function backoffMs(baseMs: number, attempt: number): number {
  const exponential = Math.min(baseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return exponential * (0.5 + Math.random() * 0.5);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

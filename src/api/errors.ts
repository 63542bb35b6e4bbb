/** Every way a call to the ThunderPhone management API can fail. */
export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'payment_required'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'client_error'
  | 'server_error'
  | 'network_error'
  | 'timeout'
  | 'invalid_url'
  | 'invalid_events'
  | 'invalid_label'
  | 'invalid_endpoint_id'
  | 'invalid_base_url'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'invalid_response';

export interface ApiErrorDetails {
  /** HTTP status, when ThunderPhone answered. */
  status?: number;
  /** The request that failed, e.g. `PUT` and `/v1/webhook`. */
  method?: string;
  path?: string;
  /** How many requests were sent before giving up (retries included). */
  attempts?: number;
  cause?: unknown;
}

/**
 * A failed management-API call. `message` is one line and never holds the API key
 * or a webhook secret, so it is safe to print or log.
 */
export class ThunderPhoneApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status?: number;
  readonly method?: string;
  readonly path?: string;
  readonly attempts?: number;

  constructor(code: ApiErrorCode, message: string, details: ApiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ThunderPhoneApiError';
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.method !== undefined) this.method = details.method;
    if (details.path !== undefined) this.path = details.path;
    if (details.attempts !== undefined) this.attempts = details.attempts;
  }
}

export function isThunderPhoneApiError(value: unknown): value is ThunderPhoneApiError {
  return value instanceof ThunderPhoneApiError;
}

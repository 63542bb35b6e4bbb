/** Every way a delivery can be refused, with the HTTP status it maps to. */
export const ERROR_STATUS = {
  not_found: 404,
  body_timeout: 408,
  method_not_allowed: 405,
  missing_signature: 401,
  invalid_signature: 401,
  invalid_json: 400,
  invalid_envelope: 400,
  invalid_body: 400,
  body_too_large: 413,
  unsupported_encoding: 415,
  body_already_parsed: 500,
  handler_failed: 500,
  handler_timeout: 503,
  duplicate_in_flight: 409,
  dedupe_unavailable: 503,
  internal_error: 500,
} as const;

export type WebhookErrorCode = keyof typeof ERROR_STATUS;

/**
 * A refused delivery. `message` is one line, safe to send back to the caller:
 * it never holds a secret, a stack trace or the body.
 */
const BRAND = Symbol.for('thunderphone-webhooks.WebhookError');

export class WebhookError extends Error {
  readonly code: WebhookErrorCode;
  readonly status: number;

  // Each entry point (and the CJS build beside the ESM one) carries its own copy of this class,
  // so `instanceof` goes by a shared brand rather than by identity.
  static override [Symbol.hasInstance](this: unknown, value: unknown): boolean {
    // Subclasses keep ordinary instanceof; only the base class goes by the brand.
    if (this !== WebhookError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(code: WebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isWebhookError(value: unknown): value is WebhookError {
  return value instanceof WebhookError;
}

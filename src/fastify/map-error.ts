import { WebhookError, isWebhookError } from '../core/errors.js';

/**
 * Turns what Fastify throws while reading our route's body into the core's error, so a refusal
 * looks the same whichever adapter answered it. `undefined` means an unexpected error.
 */
export function mapFastifyError(error: unknown, bodyLimit: number): WebhookError | undefined {
  if (isWebhookError(error)) return error;
  switch ((error as { code?: unknown } | null)?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new WebhookError('body_too_large', `body is over the ${bodyLimit}-byte limit`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new WebhookError('invalid_body', 'body length does not match Content-Length');
    default:
      return undefined;
  }
}

/** Fastify refuses a malformed Content-Type before any parser runs, leaving the body unread. */
export function isUnparsableContentType(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
}

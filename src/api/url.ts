import { hasUrlCredentials } from '../sender/url-credentials.js';
import { ThunderPhoneApiError } from './errors.js';

export { hideUrlCredentials } from '../sender/url-credentials.js';

/** Hosts for which ThunderPhone accepts a plain http:// webhook URL (local development only). */
export const LOCAL_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

export function isLocalHost(hostname: string): boolean {
  return LOCAL_HOSTS.includes(hostname.toLowerCase());
}

/**
 * Checks a webhook URL before any request is sent: https, or http only for localhost /
 * 127.0.0.1 / [::1], as ThunderPhone requires; and no `user:password@` or `#fragment`, which
 * ThunderPhone would store (and show) with the URL although no delivery can use them: a fragment
 * is never sent, and deliveries are authenticated by their signature, not by URL credentials.
 * Returns the URL unchanged. The error names at most the scheme and host, never the
 * credentials, the path or the fragment, any of which may carry a token.
 */
export function validateWebhookUrl(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') {
    throw invalid('webhook URL is empty; pass an https:// URL');
  }
  if (input !== input.trim() || /[\s\u0000-\u001f]/.test(input)) {
    throw invalid('webhook URL contains whitespace or control characters');
  }
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw invalid('webhook URL is not an absolute URL; expected something like https://example.com/thunderphone-webhook');
  }
  if (hasUrlCredentials(parsed)) {
    throw invalid('webhook URL must not hold a user name or password (user:password@); remove them: ThunderPhone signs every delivery instead');
  }
  if (input.includes('#')) {
    throw invalid('webhook URL must not have a #fragment: it is never sent with a delivery; remove it');
  }
  if (parsed.protocol === 'https:') return input;
  if (parsed.protocol === 'http:') {
    if (isLocalHost(parsed.hostname)) return input;
    throw invalid(
      `webhook URL must use https (http:// is allowed only for localhost, 127.0.0.1 and [::1]); got ${parsed.origin}`,
    );
  }
  throw invalid(`webhook URL must use https; got scheme "${parsed.protocol.replace(/:$/, '')}"`);
}

/** Same target: identical text, or identical once parsed (host case, default port, empty path). */
export function sameWebhookUrl(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

function invalid(message: string): ThunderPhoneApiError {
  return new ThunderPhoneApiError('invalid_url', message);
}

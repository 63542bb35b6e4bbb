import { randomBytes } from 'node:crypto';

/** A throwaway secret for local testing: `whsec_dev_` and 24 random base64url characters. */
export function generateDevSecret(): string {
  return `whsec_dev_${randomBytes(18).toString('base64url')}`;
}

/**
 * The one place a secret is printed: nobody but this process knows a generated secret, so the
 * developer needs to see it to sign test requests.
 */
export function devSecretNotice(secret: string, url: string): string {
  return [
    'no webhook secret configured (--secret or THUNDERPHONE_WEBHOOK_SECRET), so a DEVELOPMENT secret was generated.',
    'It changes on every start and is for local testing only, never for production:',
    `  dev secret: ${secret}`,
    'Send a signed test event with:',
    `  npx thunderphone-webhooks trigger call.incoming --url ${url} --secret ${secret}`,
    '',
  ].join('\n');
}

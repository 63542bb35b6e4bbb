import type { Logger } from './logger.js';

export type SecretInput = string | readonly string[];

/**
 * Checks the configured secrets once, at start-up. An empty or missing secret
 * would make HMAC("", body) a valid signature, so it throws instead.
 */
export function normalizeSecrets(input: SecretInput | undefined | null): string[] {
  const list = typeof input === 'string' ? [input] : Array.isArray(input) ? [...input] : [];
  if (list.length === 0) {
    throw new TypeError(
      'thunderphone-webhooks: no webhook secret configured. Pass `secret` (the whsec_... value from ' +
        'GET /v1/webhook or from endpoint creation), e.g. secret: process.env.THUNDERPHONE_WEBHOOK_SECRET, ' +
        'and check that the variable is set where this code runs.',
    );
  }
  list.forEach((secret, i) => {
    // A whitespace-only secret (an env var holding just a newline) is as guessable as an empty one.
    if (typeof secret !== 'string' || secret.trim().length === 0) {
      const what = secret === '' ? 'an empty string' : typeof secret === 'string' ? 'only whitespace' : typeof secret;
      throw new TypeError(
        `thunderphone-webhooks: webhook secret #${i + 1} is ${what}; ` +
          'every secret must be a non-empty string. Is the environment variable set?',
      );
    }
  });
  return list;
}

/** Why a secret looks wrong, without ever quoting it. */
export function secretProblems(secret: string): string[] {
  const problems: string[] = [];
  if (secret !== secret.trim()) {
    problems.push(
      'has surrounding whitespace (often a trailing newline from a file or env var); it is used as-is, so signatures will likely fail: trim it',
    );
  }
  if (/[\u200b-\u200d\u2060\ufeff\u00a0]/.test(secret)) {
    problems.push('contains an invisible character (zero-width space, no-break space or BOM), likely from a copy and paste');
  }
  const core = secret.trim();
  if (core.startsWith('sk_') || core.startsWith('pk_')) {
    problems.push('looks like an API key, not a webhook secret; webhook secrets start with whsec_');
  } else if (core.startsWith('v1,whsec_')) {
    problems.push('starts with "v1,"; ThunderPhone secrets are the bare whsec_... value');
  } else if (!core.startsWith('whsec_')) {
    problems.push('does not start with whsec_; ThunderPhone webhook secrets do, and the prefix is part of the key');
  }
  return problems;
}

// Bounded, for callers that verify with a different secret per tenant: once full it starts
// over, so at worst a warning is repeated.
const warned = new Set<string>();
const MAX_WARNED = 1000;

/** Logs each problem once per distinct secret, naming the secret only by position and fingerprint. */
export function warnAboutSecrets(secrets: readonly string[], logger: Pick<Logger, 'warn'>): void {
  secrets.forEach((secret, i) => {
    for (const problem of secretProblems(secret)) {
      const key = `${fingerprintKey(secret)}:${problem}`;
      if (warned.has(key)) continue;
      if (warned.size >= MAX_WARNED) warned.clear();
      warned.add(key);
      logger.warn(`webhook secret #${i + 1} ${problem}`);
    }
  });
}

// A cheap, non-reversible key for the warned set so no secret is kept in it.
function fingerprintKey(secret: string): string {
  let h = 2166136261;
  for (let i = 0; i < secret.length; i++) {
    h ^= secret.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return `${secret.length}:${(h >>> 0).toString(16)}`;
}

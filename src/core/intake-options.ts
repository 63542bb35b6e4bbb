import { DEFAULT_BODY_TIMEOUT_MS, parseByteLimit, parseMilliseconds } from './limits.js';
import { guardLogger, type Logger } from './logger.js';
import { normalizeSecrets, warnAboutSecrets, type SecretInput } from './secrets.js';

/** What every receiver (events or tool calls) needs to take a signed request in. */
export interface IntakeOptions {
  /** One `whsec_...` secret, or several during rotation (legacy + endpoint secrets). */
  secret?: SecretInput | undefined;
  secrets?: SecretInput | undefined;
  /** Largest body accepted, in bytes or as "1mb". Default 1 MiB. */
  limit?: number | string | undefined;
  /** How long a slow client may take to send the body before a 408. Default 10000 ms. */
  bodyTimeoutMs?: number | undefined;
  /** Where warnings go; missing methods are skipped and a method that throws is ignored. */
  logger?: Partial<Logger> | undefined;
}

export interface Intake {
  secrets: string[];
  logger: Logger;
  limit: number;
  bodyTimeoutMs: number;
}

/** Checks the intake options once, at start-up: throws on a missing or empty secret. */
export function resolveIntake(options: IntakeOptions): Intake {
  if (options.secret !== undefined && options.secrets !== undefined) {
    throw new TypeError('thunderphone-webhooks: pass `secret` or `secrets`, not both');
  }
  const secrets = normalizeSecrets(options.secrets ?? options.secret);
  const logger = guardLogger(options.logger);
  warnAboutSecrets(secrets, logger);
  return {
    secrets,
    logger,
    limit: parseByteLimit(options.limit),
    bodyTimeoutMs: parseMilliseconds(options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS, 'bodyTimeoutMs'),
  };
}

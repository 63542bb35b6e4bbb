import type { DedupeStore } from '../core/dedupe-store.js';
import { createConsoleLogger, type Logger } from '../core/logger.js';
import { memoryDedupeStore } from '../core/memory-dedupe-store.js';
import { MissingIoredisError } from '../redis/load-ioredis.js';
import { describeRedisUrl, redisUrlProblem } from '../redis/redis-url.js';
import { redisDedupeStore } from '../redis/store.js';
import { hideUrlCredentials } from '../sender/url-credentials.js';
import { quote } from './one-line.js';

/** A `--dedupe` value that cannot be used: `serve` exits 2 with this one line. */
export class DedupeUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DedupeUsageError';
  }
}

/**
 * Turns `--dedupe VALUE` into a store: `memory` keeps keys in this process (24 h, 100 000 keys);
 * `redis://...` shares them through Redis. Rejects with DedupeUsageError for a value it cannot use;
 * other rejections (ioredis not installed) are start-up failures.
 */
export async function dedupeStoreFromFlag(value: string, logger: Logger = createConsoleLogger()): Promise<DedupeStore> {
  const trimmed = value.trim();
  if (trimmed === 'memory') return memoryDedupeStore();
  if (/^rediss?:\/\//i.test(trimmed)) return redisStore(trimmed, logger);
  throw new DedupeUsageError(`--dedupe must be "memory" or a redis:// URL, got ${quote(hideUrlCredentials(trimmed))}`);
}


/**
 * A Redis that does not answer yet is not a start-up failure: it may come up after this process,
 * and while it is away the receiver answers as documented (503 for non-blocking events).
 */
async function redisStore(url: string, logger: Logger): Promise<DedupeStore> {
  const problem = redisUrlProblem(url);
  if (problem) throw new DedupeUsageError(`--dedupe ${quote(describeRedisUrl(url))} ${problem}`);
  const store = redisDedupeStore({ url, logger });
  try {
    await store.ping();
  } catch (error) {
    if (error instanceof MissingIoredisError) {
      await store.close();
      throw new Error(`--dedupe ${describeRedisUrl(url)}: ${error.message}`);
    }
    logger.warn(
      `Redis at ${describeRedisUrl(url)} does not answer yet (${(error as Error).message}); until it does, ` +
        'non-blocking events get 503 so ThunderPhone retries, and blocking events are answered without dedupe',
    );
  }
  return store;
}

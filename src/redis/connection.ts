import type { Logger } from '../core/logger.js';
import type { RedisClientLike } from './client.js';
import { loadIoredis } from './load-ioredis.js';
import { describeRedisUrl } from './redis-url.js';

/** A client this store opened from a URL, and so must watch and close itself. */
export interface OwnedConnection {
  client: RedisClientLike;
  /** Resolves once Redis answers commands (at once when it does now). Callers bound the wait. */
  whenReady(): Promise<void>;
  /** Why the last attempt to reach Redis failed, while it is unreachable. */
  problem(): string | undefined;
  close(): Promise<void>;
}

// Fail fast while Redis is away instead of queueing: a queued claim would run minutes later and
// hold the event as in flight for a lease nobody renews.
const CLIENT_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2000,
  // Reconnect quickly: every second, at most, while Redis is down.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
};

export async function openConnection(url: string, commandTimeoutMs: number, logger: Logger): Promise<OwnedConnection> {
  const Redis = await loadIoredis();
  const where = describeRedisUrl(url);
  const redis = new Redis(url, { ...CLIENT_OPTIONS, commandTimeout: commandTimeoutMs });
  let lastError: string | undefined;
  let lost = false;
  // One promise shared by every operation waiting for the connection, not a listener each.
  let ready: Promise<void> | undefined;
  let markReady = () => {};

  // One warning when the connection drops and one line when it is back, not one per retry.
  redis.on('error', (error: Error) => {
    lastError = error.message;
    if (!lost) {
      lost = true;
      logger.warn(`lost connection to Redis at ${where} (${error.message}); retrying every second`);
    }
  });
  redis.on('ready', () => {
    if (lost) logger.warn(`reconnected to Redis at ${where}`);
    lost = false;
    lastError = undefined;
    markReady();
    ready = undefined;
  });

  return {
    client: redis as unknown as RedisClientLike,
    whenReady() {
      if (redis.status === 'ready') return Promise.resolve();
      if (redis.status === 'end') return Promise.reject(new Error(`the connection to Redis at ${where} is closed`));
      ready ??= new Promise<void>((resolve) => (markReady = resolve));
      return ready;
    },
    problem: () => (lastError === undefined ? undefined : `Redis at ${where}: ${lastError}`),
    async close() {
      try {
        await redis.quit();
      } catch {
        // Not connected: nothing to say goodbye to.
      }
      redis.disconnect();
      markReady();
    },
  };
}

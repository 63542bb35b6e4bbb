import { randomBytes } from 'node:crypto';
import { DEFAULT_DEDUPE_TTL_MS, type DedupeClaim, type DedupeStore } from '../core/dedupe-store.js';
import { guardLogger, type Logger } from '../core/logger.js';
import { MAX_TIMER_MS } from '../core/limits.js';
import type { RedisClientLike } from './client.js';
import { openConnection, type OwnedConnection } from './connection.js';
import { redisUrlProblem } from './redis-url.js';
import { COMPLETE, RELEASE, RENEW, runScript } from './scripts.js';

export const DEFAULT_REDIS_PREFIX = 'thunderphone-webhooks:dedupe:';
// Longer than the receiver's own bound on store calls (dedupe.timeoutMs, 1 s), so the receiver decides
// and can release a claim that lands late; this one only stops a call from hanging for good.
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;
/** How long complete() keeps trying while Redis is away: the receiver's default lease. */
export const DEFAULT_REDIS_COMPLETE_RETRY_MS = 30_000;
const RETRY_PAUSE_MS = 250;

export interface RedisDedupeStoreOptions {
  /** An ioredis client (or one shaped like it) you manage; the store never closes it. */
  client?: RedisClientLike | undefined;
  /** `redis://HOST:PORT/DB` or `rediss://...`: the store opens (and closes) its own ioredis client. */
  url?: string | undefined;
  /** Put before every event key. Default `thunderphone-webhooks:dedupe:`. */
  prefix?: string | undefined;
  /** How long a handled event stays marked done. Default 86400 (24 h, ThunderPhone's retry window). */
  ttlSeconds?: number | undefined;
  /** Longest wait for one store operation before it fails. Default 2000 ms. */
  commandTimeoutMs?: number | undefined;
  /**
   * How long complete() keeps trying while Redis does not answer, so a handler that succeeded during
   * an outage is still marked done if Redis is back before its lease runs out. Default 30000 ms.
   */
  completeRetryMs?: number | undefined;
  /** Where connection losses and recoveries are reported (stores opened from `url`). */
  logger?: Partial<Logger> | undefined;
}

export interface RedisDedupeStore extends DedupeStore {
  /** How long a done key is kept (ttlSeconds in ms); the receiver passes it to complete(). */
  readonly ttlMs: number;
  /** Resolves when Redis answers; rejects with the reason it does not (or that ioredis is missing). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// The value of a handled key. Claims hold a random token instead, which never equals it.
const DONE = 'done';
// A claim that loses SET NX reads the key; if it expired in between, claim again, a few times.
const CLAIM_ATTEMPTS = 3;

/**
 * A dedupe store in Redis, shared by every receiver pointed at the same server and prefix. A claim
 * is one `SET key token NX PX lease`; renew, complete and release are Lua scripts that act only
 * while the key still holds the caller's token.
 */
export function redisDedupeStore(options: RedisDedupeStoreOptions): RedisDedupeStore {
  const settings = readOptions(options);
  const logger = guardLogger(options.logger);
  let connection: Promise<OwnedConnection> | undefined;
  let owned: OwnedConnection | undefined;
  let closed = false;

  async function client(): Promise<RedisClientLike> {
    if (closed) throw new Error('the Redis dedupe store is closed');
    if (settings.client) return settings.client;
    connection ??= openConnection(settings.url as string, settings.commandTimeoutMs, logger);
    owned = await connection;
    await owned.whenReady();
    return owned.client;
  }

  /** One store operation, bounded in time, so a slow or absent Redis fails it instead of hanging. */
  function bounded<T>(what: string, operation: (redis: RedisClientLike) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        const problem = owned?.problem();
        reject(new Error(`Redis dedupe store: ${what} got no answer within ${settings.commandTimeoutMs} ms${problem ? ` (${problem})` : ''}`));
      }, settings.commandTimeoutMs);
      timer.unref();
    });
    // Given up on while waiting for the connection: never sent later, when nobody awaits it (a
    // late claim would hold the event for a whole lease under a token no one knows).
    const run = client().then((redis) => {
      if (expired) throw new Error(`Redis dedupe store: ${what} given up`);
      return operation(redis);
    });
    run.catch(() => {}); // lost the race: its late failure is not news
    return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
  }

  const key = (eventKey: string) => settings.prefix + eventKey;

  return {
    ttlMs: settings.ttlMs,

    claim(eventKey, leaseMs) {
      const lease = wholeMs(leaseMs);
      return bounded('claim', async (redis): Promise<DedupeClaim> => {
        for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt += 1) {
          const token = randomBytes(16).toString('hex');
          if ((await redis.set(key(eventKey), token, 'PX', lease, 'NX')) === 'OK') return { status: 'claimed', token };
          const held = await redis.get(key(eventKey));
          if (held === DONE) return { status: 'done' };
          if (held !== null) return { status: 'in-flight' };
        }
        // Claimed and freed over and over by others in the meantime: someone is on it.
        return { status: 'in-flight' };
      });
    },

    renew(eventKey, token, leaseMs) {
      const lease = wholeMs(leaseMs);
      return bounded('renew', async (redis) => Number(await runScript(redis, RENEW, key(eventKey), [token, lease])) === 1);
    },

    // Retried while Redis is away: the claim (with its token) is still in Redis until its lease
    // runs out, so marking it done once Redis is back saves a re-delivery from running the handler
    // again. Past the lease the script finds another token or none, and changes nothing.
    complete(eventKey, token, ttlMs) {
      const ttl = wholeMs(ttlMs);
      return retrying(settings.completeRetryMs, () => closed, () =>
        bounded('complete', async (redis) => {
          await runScript(redis, COMPLETE, key(eventKey), [token, ttl, DONE]);
        }),
      );
    },

    release(eventKey, token) {
      return bounded('release', async (redis) => {
        await runScript(redis, RELEASE, key(eventKey), [token]);
      });
    },

    ping() {
      return bounded('ping', async (redis) => {
        await redis.ping();
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      if (connection) await connection.then((owned) => owned.close(), () => {});
    },
  };
}

interface Settings {
  client: RedisClientLike | undefined;
  url: string | undefined;
  prefix: string;
  ttlMs: number;
  commandTimeoutMs: number;
  completeRetryMs: number;
}

function readOptions(options: RedisDedupeStoreOptions): Settings {
  const fail = (message: string): never => {
    throw new TypeError(`thunderphone-webhooks: redisDedupeStore: ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('pass { url } or { client }');
  const { client, url } = options;
  if (client !== undefined && url !== undefined) fail('pass either client or url, not both');
  if (client === undefined && url === undefined) fail('pass { url: "redis://HOST:PORT/DB" } or { client } (an ioredis instance)');
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof client.set !== 'function' || typeof client.evalsha !== 'function')) {
    fail('client must be an ioredis client (it needs set, get, eval, evalsha and ping)');
  }
  if (url !== undefined) {
    if (typeof url !== 'string') fail('url must be a string like redis://127.0.0.1:6379/0');
    const problem = redisUrlProblem(url);
    if (problem) fail(`url ${problem}`);
  }
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof prefix !== 'string') fail('prefix must be a string');
  return {
    client,
    url,
    prefix,
    ttlMs: options.ttlSeconds === undefined ? DEFAULT_DEDUPE_TTL_MS : positive(options.ttlSeconds * 1000, 'ttlSeconds', options.ttlSeconds, fail),
    commandTimeoutMs:
      options.commandTimeoutMs === undefined
        ? DEFAULT_REDIS_COMMAND_TIMEOUT_MS
        : positive(options.commandTimeoutMs, 'commandTimeoutMs', options.commandTimeoutMs, fail),
    completeRetryMs:
      options.completeRetryMs === undefined
        ? DEFAULT_REDIS_COMPLETE_RETRY_MS
        : options.completeRetryMs === 0
          ? 0
          : positive(options.completeRetryMs, 'completeRetryMs', options.completeRetryMs, fail),
  };
}

function positive(ms: number, name: string, given: unknown, fail: (message: string) => never): number {
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 1 && ms <= MAX_TIMER_MS) return ms;
  return fail(`${name} must be a positive number (at most ${MAX_TIMER_MS} ms), got ${String(given)}`);
}

/** `attempt` until it succeeds, Redis refuses it, the store closes, or `forMs` has passed. */
async function retrying<T>(forMs: number, stopped: () => boolean, attempt: () => Promise<T>): Promise<T> {
  const until = Date.now() + forMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      // Redis answered with an error: asking again would get the same answer.
      const answered = (error as { name?: unknown } | null)?.name === 'ReplyError';
      if (answered || stopped() || Date.now() + RETRY_PAUSE_MS > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS).unref());
    }
  }
}

// PX and PEXPIRE take whole milliseconds, at least 1.
function wholeMs(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

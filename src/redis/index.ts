export {
  redisDedupeStore,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_COMPLETE_RETRY_MS,
  type RedisDedupeStore,
  type RedisDedupeStoreOptions,
} from './store.js';
export type { RedisClientLike } from './client.js';
export { MissingIoredisError } from './load-ioredis.js';
export type { DedupeStore, DedupeClaim } from '../core/dedupe-store.js';

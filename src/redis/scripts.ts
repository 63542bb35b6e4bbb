import { createHash } from 'node:crypto';
import type { RedisClientLike } from './client.js';

export interface LuaScript {
  body: string;
  sha: string;
}

function script(body: string): LuaScript {
  return { body, sha: createHash('sha1').update(body).digest('hex') };
}

// Each script acts only when KEYS[1] still holds the caller's token (ARGV[1]): a caller whose lease
// ran out, and whose key another instance has since claimed, changes nothing.

/** ARGV[2]: the new lease in ms. Returns 1 when renewed, 0 when the caller no longer owns the key. */
export const RENEW = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`);

/** ARGV[2]: how long the key stays done, in ms; ARGV[3]: the done marker. */
export const COMPLETE = script(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2]) return 1 end return 0`,
);

export const RELEASE = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`);

/**
 * EVALSHA first, so the script body crosses the wire only once per Redis server; EVAL when the
 * server does not know it yet (a fresh or restarted server answers NOSCRIPT).
 */
export async function runScript(client: RedisClientLike, lua: LuaScript, key: string, args: (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(lua.sha, 1, key, ...args);
  } catch (error) {
    if (!/NOSCRIPT/.test(String((error as { message?: unknown })?.message ?? error))) throw error;
    return client.eval(lua.body, 1, key, ...args);
  }
}

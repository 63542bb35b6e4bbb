/**
 * The part of an ioredis client this store uses. Declared here, not imported from ioredis, so the
 * types of this package never need ioredis installed; an ioredis `Redis` instance fits it.
 */
export interface RedisClientLike {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<'OK' | null>;
  get(key: string): Promise<string | null>;
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  ping(): Promise<string>;
}

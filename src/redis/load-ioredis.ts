import type { Redis } from 'ioredis';

export type IORedisConstructor = typeof Redis;

/** Thrown when `url` is used but the optional peer dependency ioredis is not installed. */
export class MissingIoredisError extends Error {
  readonly code = 'missing_ioredis';
  constructor() {
    super('the Redis dedupe store needs the ioredis package, which is not installed: run "npm install ioredis" (or pass your own client)');
    this.name = 'MissingIoredisError';
  }
}

/** ioredis, loaded the first time a store built from a URL needs it, so no one else pays for it. */
export async function loadIoredis(): Promise<IORedisConstructor> {
  let mod: { Redis?: IORedisConstructor; default?: unknown };
  try {
    mod = (await import('ioredis')) as typeof mod;
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new MissingIoredisError();
    throw error;
  }
  return mod.Redis ?? (mod.default as IORedisConstructor);
}

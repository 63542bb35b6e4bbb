/**
 * A Redis URL as it may appear in a message: scheme, host, port and database, never the user name
 * or password it may carry. Text that does not parse is not echoed at all.
 */
export function describeRedisUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'the configured Redis URL';
  }
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** Checks what ioredis would otherwise misread: only redis:// and rediss:// URLs with a host. */
export function redisUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL; use redis://HOST:PORT/DB';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `must start with redis:// or rediss://, got ${url.protocol}//`;
  if (url.hostname === '') return 'has no host; use redis://HOST:PORT/DB';
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) {
    return `has a database ${JSON.stringify(url.pathname.slice(1))} that is not a number; use redis://HOST:PORT/DB`;
  }
  return undefined;
}

// A real redis-server for the tests, started as a child process on a free loopback port with
// persistence off, and stopped after. Nothing here imitates Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';
import { watchOver } from './watchdog.js';

export const REDIS_APT_PACKAGE = 'redis-server';

/** The redis-server binary on PATH, if there is one. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** CI (CI set, as the lead's check does) and .ci/run (REQUIRE_REDIS=1) fail instead of skipping. */
export function redisRequired(): boolean {
  const ci = process.env.CI;
  return (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') || process.env.REQUIRE_REDIS === '1';
}

const MISSING = `redis-server is not installed, so the Redis tests cannot run. Install it with: apt-get install -y ${REDIS_APT_PACKAGE}`;

/**
 * `describe` when redis-server is here. Without it: a failing test under CI / REQUIRE_REDIS=1, and
 * otherwise a skipped suite with a warning that says what to install.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (findRedisServer()) {
    describe(name, body);
    return;
  }
  if (redisRequired()) {
    describe(name, () => {
      it('has a redis-server to run against', () => {
        throw new Error(`${MISSING} (required here because CI or REQUIRE_REDIS=1 is set)`);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPING "${name}": ${MISSING} ***\n`);
  describe.skip(name, body);
}

export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:PORT/0 */
  readonly url: string;
  /** Stops the server (its data is gone: persistence is off). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  running(): boolean;
}

/** `persist`: an append-only file (fsync every second), so keys survive stop() and restart(). */
export async function startRedisServer(options: { password?: string; persist?: boolean } = {}): Promise<RedisServer> {
  const extra = [
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
    ...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : []),
  ];
  const binary = findRedisServer();
  if (!binary) throw new Error(MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'tpw-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;

  // A port picked free can be taken before redis-server binds it: then pick another.
  for (let attempt = 0; ; attempt += 1) {
    port = await freePort();
    try {
      child = await launch(binary, port, dir, extra);
      break;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }

  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  // Holds nothing (no RDB, no AOF); removed when the test process exits.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop,
    async restart() {
      await stop();
      child = await launch(binary, port, dir, extra);
    },
    running: () => child !== undefined && child.exitCode === null,
  };
}

async function launch(binary: string, port: number, dir: string, extra: string[]): Promise<ChildProcess> {
  // A later --appendonly in `extra` overrides the default one, as in a redis.conf.
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'notice', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  watchOver(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}) on port ${port}: ${output.trim()}`);
    // Our own server's line, so a server someone else started on this port is never mistaken for it.
    if (output.includes('Ready to accept connections') && (await answersPing(port))) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer PING on port ${port} within 10 s: ${output.trim()}`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
    socket.on('error', () => done(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

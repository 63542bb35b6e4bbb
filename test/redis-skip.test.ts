// Without redis-server, the Redis tests skip with a warning that names the package, except under
// CI or REQUIRE_REDIS=1, where they fail. Checked by running one Redis test file in child vitest
// runs whose PATH holds no redis-server.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './support/serve-instance.js';

function runWithoutRedis(env: Record<string, string>): Promise<{ status: number | null; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PATH: join(ROOT, '.tmp', 'no-such-dir') };
  delete childEnv.CI;
  delete childEnv.REQUIRE_REDIS;
  Object.assign(childEnv, env);
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(process.execPath, [vitest, 'run', 'test/redis-store.test.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}

it('skips loudly, naming the apt package, when redis-server is missing; fails instead under CI or REQUIRE_REDIS=1', async () => {
  const [plain, ci, required] = await Promise.all([runWithoutRedis({}), runWithoutRedis({ CI: 'true' }), runWithoutRedis({ REQUIRE_REDIS: '1' })]);
  expect(plain.status).toBe(0);
  expect(plain.output).toContain('SKIPPING "redisDedupeStore against a real redis-server": redis-server is not installed');
  expect(plain.output).toContain('apt-get install -y redis-server');
  for (const run of [ci, required]) {
    expect(run.status).toBe(1);
    expect(run.output).toContain('required here because CI or REQUIRE_REDIS=1 is set');
  }
}, 60_000);

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// ioredis is an optional peer: an app without it must load every entry, and only a store built
// from a URL may ask for it, with the install command. Runs against dist/ (built by pretest).
const root = resolve(import.meta.dirname, '..');
let app: string;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'tpw-no-ioredis-'));
  const pkg = join(app, 'node_modules', 'thunderphone-webhooks');
  mkdirSync(pkg, { recursive: true });
  // A copy, not a link: a link would resolve ioredis from this repository's node_modules.
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
  // The one runtime dependency, linked so its own dependencies resolve where they are installed.
  symlinkSync(join(root, 'node_modules', 'raw-body'), join(app, 'node_modules', 'raw-body'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app-without-ioredis', private: true }));
});

afterAll(() => rmSync(app, { recursive: true, force: true }));

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('an app without ioredis installed', () => {
  it('has no ioredis to find', () => {
    expect(() => run(['-e', 'require.resolve("ioredis")'])).toThrow();
  });

  it.each(['thunderphone-webhooks', 'thunderphone-webhooks/redis'])('imports and requires %s', (entry) => {
    expect(Number(run(['-e', `console.log(Object.keys(require(${JSON.stringify(entry)})).length)`]))).toBeGreaterThan(0);
    expect(Number(run(['--input-type=module', '-e', `console.log(Object.keys(await import(${JSON.stringify(entry)})).length)`]))).toBeGreaterThan(0);
  });

  it.each([
    ['ESM', ['--input-type=module', '-e', 'import { redisDedupeStore } from "thunderphone-webhooks/redis"; const s = redisDedupeStore({ url: "redis://127.0.0.1:1/0" }); try { await s.claim("k", 1000); } catch (e) { console.log(e.code + " " + e.message); }']],
    ['CJS', ['-e', 'const { redisDedupeStore } = require("thunderphone-webhooks/redis"); redisDedupeStore({ url: "redis://127.0.0.1:1/0" }).ping().catch((e) => console.log(e.code + " " + e.message));']],
  ])('a store built from a URL says to install ioredis when used (%s)', (_name, args) => {
    const out = run(args);
    expect(out).toMatch(/^missing_ioredis .*npm install ioredis/);
  });

  it('serve --dedupe redis:// exits 1 at start-up with the install command, while the CLI itself loads without ioredis', () => {
    const cli = join(app, 'node_modules', 'thunderphone-webhooks', 'dist', 'cli', 'main.js');
    const result = spawnSync(process.execPath, [cli, 'serve', '--port', '0', '--log', 'pretty', '--secret', 'whsec_x', '--dedupe', 'redis://127.0.0.1:1/0'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'thunderphone-webhooks serve: --dedupe redis://127.0.0.1:1/0: the Redis dedupe store needs the ioredis package, which is not installed: run "npm install ioredis" (or pass your own client)\n',
    );
    const help = spawnSync(process.execPath, [cli, 'serve', '--help'], { cwd: app, encoding: 'utf8' });
    expect(help.status).toBe(0);
  });
});

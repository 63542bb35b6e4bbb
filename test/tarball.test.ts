import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryPoints, parseReport, REPORT_DIR } from '../scripts/api-report.mjs';
import { neededDistFiles } from '../scripts/dist-files.mjs';

// What users install: `npm pack` of the built package (npm test builds first), installed into
// fresh projects with npm, then loaded, type-checked and run with the Node running this test
// (CI runs it on Node 20, 22 and 24).
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const subpaths = Object.keys(pkg.exports).filter((key) => key !== './package.json');
const entries = subpaths.map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// The current Node first on PATH, so npm and the bin's `#!/usr/bin/env node` use it.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' };
const npmQuiet = ['--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'];

interface PackedFile {
  path: string;
  size: number;
}
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

let scratch: string;
let packed: Packed;
let tarball: string;
/** Only the tarball: proves the package needs nothing beyond its declared dependencies. */
let bare: string;
/** The tarball with the optional peers and their types, as a TypeScript user of every adapter has. */
let typed: string;

function node(cwd: string, args: string[]) {
  return run(process.execPath, args, { cwd, env, encoding: 'utf8' });
}

async function project(name: string, extra: string[]): Promise<string> {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true }));
  await run('npm', ['install', ...npmQuiet, tarball, ...extra], { cwd: dir, env });
  return dir;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tpw-tarball-'));
  // --ignore-scripts: dist/ is already built, and prepack's rebuild would race other tests using it.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, env });
  packed = JSON.parse(stdout)[0];
  tarball = join(scratch, packed.filename);
  [bare, typed] = await Promise.all([
    project('bare', []),
    project('typed', ['fastify@5', 'koa@3', '@types/koa@3', 'express@5', '@types/express@5']),
  ]);
  console.log(`${packed.filename}: ${packed.files.length} files, ${(packed.size / 1024).toFixed(1)} kB packed, ${(packed.unpackedSize / 1024).toFixed(1)} kB unpacked`);
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds only what users need: the built entry points and what they import, README, CHANGELOG, LICENSE', () => {
    const paths = packed.files.map((f) => f.path).sort();
    for (const path of paths) {
      expect(path, 'an unexpected file in the tarball').toMatch(/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/[\w/.-]+\.(js|cjs|d\.ts|d\.cts))$/);
    }
    expect(paths.filter((p) => /\.map$|^(src|test|bench|examples|scripts|\.ci)\//.test(p))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/cli/main.js']));
    // Exactly the files reachable from package.json's entries: nothing stale from an older build.
    expect(paths.filter((p) => p.startsWith('dist/')), 'stale files in dist/: run `npm run build` (it prunes them)').toEqual(neededDistFiles(root));
    // Generous bounds that a source map, a bundled dependency or a stray folder would break.
    expect(packed.unpackedSize).toBeLessThan(1_000_000);
    expect(packed.size).toBeLessThan(300_000);
  });

  it('passes publint (strict) and @arethetypeswrong/cli with no problems', async () => {
    const result = await node(root, [join(root, 'scripts', 'lint-package.mjs'), tarball]).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${result.stderr}`, `${result.stdout}`).toBe('');
    expect(result.stdout).toContain('--- publint: ok');
    expect(result.stdout).toContain('--- attw: ok');
  }, 120_000);

  it('installs with exactly its declared runtime dependencies', () => {
    const installed = JSON.parse(readFileSync(join(bare, 'node_modules', pkg.name, 'package.json'), 'utf8'));
    expect(installed.version).toBe(pkg.version);
    expect(Object.keys(installed.dependencies ?? {})).toEqual(Object.keys(pkg.dependencies));
  });
});

describe('every entry point from the installed tarball', () => {
  it.each(entries)('require() and import() of %s load, without the optional peers, with the same export names', async (entry) => {
    const cjs = await node(bare, ['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(entry)})).sort()))`]);
    const esm = await node(bare, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))`,
    ]);
    const names: string[] = JSON.parse(cjs.stdout);
    expect(names.length).toBeGreaterThan(0);
    expect(JSON.parse(esm.stdout)).toEqual(names);
    // Every value the tarball exports is in the entry's committed API report (test/api/).
    const key = entry === pkg.name ? '.' : `./${entry.slice(pkg.name.length + 1)}`;
    const report = entryPoints().find((e) => e.key === key)?.report as string;
    const documented = parseReport(readFileSync(join(REPORT_DIR, report), 'utf8'));
    expect(names.filter((name) => !documented.has(name)), `names missing from test/api/${report}`).toEqual([]);
  });

  it('works end to end from both module systems: a signature made in CJS verifies in ESM, and WebhookError is shared', async () => {
    const secret = 'whsec_tarball_test';
    const body = '{"data":{},"type":"call.complete"}';
    const { stdout: signature } = await node(bare, ['-e', `process.stdout.write(require('${pkg.name}').sign(${JSON.stringify(body)}, '${secret}'))`]);
    const expected = (await import('node:crypto')).createHmac('sha256', secret).update(body).digest('hex');
    expect(signature).toBe(expected);
    const { stdout } = await node(bare, [
      '--input-type=module',
      '-e',
      `import { verify, constructEvent } from '${pkg.name}';
       import { createRequire } from 'node:module';
       const { WebhookError } = createRequire(process.cwd() + '/')('${pkg.name}');
       let refused;
       try { constructEvent(${JSON.stringify(body)}, '${'0'.repeat(64)}', '${secret}'); } catch (e) { refused = e instanceof WebhookError && e.code; }
       console.log(JSON.stringify({ ok: verify(${JSON.stringify(body)}, '${signature}', '${secret}'), refused }));`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ ok: true, refused: 'invalid_signature' });
  });

  it('runs the thunderphone-webhooks bin: --version prints the package version, --help the commands', async () => {
    const bin = join(bare, 'node_modules', '.bin', 'thunderphone-webhooks');
    const version = await run(bin, ['--version'], { cwd: bare, env, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await run(bin, ['--help'], { cwd: bare, env, encoding: 'utf8' });
    for (const command of ['serve', 'trigger', 'setup']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const serveHelp = await run(bin, ['serve', '--help'], { cwd: bare, env, encoding: 'utf8' });
    expect(serveHelp.stdout).toContain('--port');
  });
});

describe('a TypeScript consumer of the installed tarball', () => {
  const consumer = `
import { createReceiver, defineAgentConfig, sign, thunderphoneMiddleware, WebhookError, type AgentConfig } from 'thunderphone-webhooks';
import { sampleEvent, signPayload } from 'thunderphone-webhooks/testing';
import { createWebHandler } from 'thunderphone-webhooks/web';
import { thunderphonePlugin } from 'thunderphone-webhooks/fastify';
import { thunderphoneKoa } from 'thunderphone-webhooks/koa';
import Fastify from 'fastify';
import Koa from 'koa';

const secret = 'whsec_consumer';
const receiver = createReceiver({
  secret,
  handlers: {
    'call.incoming': (event): AgentConfig => defineAgentConfig({ prompt: 'Hi ' + event.data.from_number, voice: 'en-US-Ava' }),
    'call.complete': (event) => { const seconds: number | undefined = event.data.duration_seconds; void seconds; },
  },
});
const middleware = thunderphoneMiddleware(receiver);
const web: (request: Request) => Promise<Response> = createWebHandler({ secret });
Fastify().register(thunderphonePlugin, { path: '/hook', secret });
new Koa().use(thunderphoneKoa({ path: '/hook', secret }));
const body: string = sampleEvent('call.complete').body;
const headers: Record<string, string> = signPayload(body, secret);
const hex: string = sign(body, secret);
const status: number = new WebhookError('invalid_signature', 'x').status;
export { middleware, web, headers, hex, status };
`;
  // Proves the check is real: the types say sign() returns a string.
  const wrong = `import { sign } from 'thunderphone-webhooks';\nexport const n: number = sign('{}', 'whsec_x');\n`;

  /** Runs tsc over the files in a project of their own; its error lines, [] when it passes. */
  async function typecheck(resolution: 'node16' | 'bundler', files: Record<string, string>): Promise<string[]> {
    const dir = join(typed, `ts-${resolution}`);
    mkdirSync(dir, { recursive: true });
    for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, file), source);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          // As most projects have it; third-party declarations (koa's, fastify's) are not ours to check.
          skipLibCheck: true,
          module: resolution === 'bundler' ? 'esnext' : 'node16',
          moduleResolution: resolution,
          target: 'es2022',
          lib: ['es2022', 'dom'],
          esModuleInterop: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: Object.keys(files),
      }),
    );
    const output = await node(dir, [tsc, '-p', 'tsconfig.json']).then(
      (ok) => ok.stdout,
      (error: { stdout: string }) => error.stdout,
    );
    return output.split('\n').filter((line) => line.trim() !== '');
  }

  // Each run also holds a wrong use, which must fail: proof the types are real, not `any`.
  const expectedError = (file: string) => `${file}(2,14): error TS2322: Type 'string' is not assignable to type 'number'.`;

  it('type-checks with moduleResolution node16, from ESM (.mts) and CommonJS (.cts)', async () => {
    const cts = consumer.replace(/^import Fastify from 'fastify';$/m, "import Fastify = require('fastify');");
    const errors = await typecheck('node16', { 'consumer.mts': consumer, 'consumer.cts': cts, 'wrong.mts': wrong });
    expect(errors).toEqual([expectedError('wrong.mts')]);
  }, 120_000);

  it('type-checks with moduleResolution bundler', async () => {
    const errors = await typecheck('bundler', { 'consumer.ts': consumer, 'wrong.ts': wrong });
    expect(errors).toEqual([expectedError('wrong.ts')]);
  }, 120_000);
});

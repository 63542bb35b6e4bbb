import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Keeps the README true to the code: its links, commands, flags and code blocks.
const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const scratch = join(root, '.tmp', 'readme-blocks');

function blocks(lang: string): string[] {
  return [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);
}

function help(command: string): string {
  return execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), command, '--help'], { encoding: 'utf8' });
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README', () => {
  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toMatch(/```sh\nnpm test\n```/);
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
    expect(scripts.start).toContain('serve');
    expect(scripts.test).toBe('vitest run');
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\((?!https?:)([^)#]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(existsSync(join(root, link)), link).toBe(true);
  });

  it('names only CLI flags that some command lists in its --help', () => {
    const topLevel = execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), '--help'], { encoding: 'utf8' });
    const known = new Set([topLevel, ...['serve', 'trigger', 'setup', 'listen'].map(help)].flatMap((text) => text.match(/--[a-z][a-z-]+/g) ?? []));
    expect(known.size).toBeGreaterThan(10);
    const named = new Set(readme.match(/--[a-z][a-z-]+/g) ?? []);
    for (const flag of named) expect(known.has(flag), `README names ${flag}`).toBe(true);
  });

  // Also under exactOptionalPropertyTypes, which strict projects turn on and which rejects
  // `secret: process.env.X` unless the options allow undefined.
  it.each([{ extra: [] as string[] }, { extra: ['--exactOptionalPropertyTypes'] }])('has TypeScript blocks that type-check against the built package, with flags $extra', ({ extra }) => {
    mkdirSync(scratch, { recursive: true });
    const free: Record<string, string> = {
      app: 'any', rawBody: 'Buffer', req: 'any', myHandlers: 'any', saveCall: 'any', findSlots: 'any',
      secret: 'string', handlers: 'any', body: 'string', signatureHeader: 'string', secrets: 'string[]',
    };
    const files = blocks('ts').map((code, i) => {
      const declared = Object.entries(free)
        .filter(([name]) => !new RegExp(`(const|let)\\s+${name}\\b|import[^;]*\\b${name}\\b`).test(code))
        .map(([name, type]) => `declare const ${name}: ${type};`)
        .join('\n');
      const file = join(scratch, `block-${i}.mts`);
      writeFileSync(file, `${code}\n${declared}\nexport {};\n`);
      return file;
    });
    expect(files.length).toBeGreaterThanOrEqual(4);
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', ...extra, ...files], { cwd: root, encoding: 'utf8' });
    } catch (error) {
      out = String((error as { stdout?: string }).stdout);
    }
    expect(out).toBe('');
  });

  it('has JavaScript blocks that parse', () => {
    mkdirSync(scratch, { recursive: true });
    const js = blocks('js');
    expect(js.length).toBeGreaterThanOrEqual(4);
    js.forEach((code, i) => {
      const file = join(scratch, `block-${i}.mjs`);
      writeFileSync(file, code);
      execFileSync(process.execPath, ['--check', file]);
    });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// These run against dist/, which `npm test` builds first (pretest).
const root = resolve(import.meta.dirname, '..');
const entries = ['thunderphone-webhooks', 'thunderphone-webhooks/testing', 'thunderphone-webhooks/web', 'thunderphone-webhooks/fastify', 'thunderphone-webhooks/koa', 'thunderphone-webhooks/redis'];

let consumer: string;

beforeAll(() => {
  // A separate project that depends on the package, the way a user's app would.
  consumer = mkdtempSync(join(tmpdir(), 'tpw-consumer-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules', 'thunderphone-webhooks'), 'dir');
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
});

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

/** Type-checks in the consumer project; the compiler's output, '' when it passes. */
function tsc(args: string[]): string {
  const bin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const common = ['--noEmit', '--strict', '--skipLibCheck', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types')];
  try {
    return execFileSync(process.execPath, [bin, ...common, ...args], { cwd: consumer, encoding: 'utf8' });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8' });
}

describe('every entry point loads from a consumer project', () => {
  it.each(entries)('require() and import() of %s give the same export names', (entry) => {
    const cjs = JSON.parse(runNode(['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(entry)})).sort()))`]));
    const esm = JSON.parse(
      runNode(['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(m).filter(k => k !== 'default').sort()))`]),
    );
    expect(cjs.length).toBeGreaterThan(0);
    expect(esm).toEqual(cjs);
  });

  it('the main entry keeps its documented names', () => {
    const names: string[] = JSON.parse(runNode(['-e', `console.log(JSON.stringify(Object.keys(require('thunderphone-webhooks'))))`]));
    for (const name of ['sign', 'verify', 'constructEvent', 'createReceiver', 'thunderphoneMiddleware', 'WebhookError', 'validateAgentConfig', 'defineAgentConfig', 'getWebhook', 'setWebhookUrl', 'toolHandler']) {
      expect(names).toContain(name);
    }
  });

  // Older setups ("moduleResolution": "node10", the default for "module": "commonjs") ignore the
  // exports map, so the subpaths need typesVersions in package.json to find their .d.ts files.
  it('types resolve for every entry with moduleResolution node10 and module commonjs', () => {
    const file = join(consumer, 'use-node10.ts');
    writeFileSync(
      file,
      entries.map((e, i) => `import * as m${i} from ${JSON.stringify(e)};\nexport const k${i} = Object.keys(m${i});`).join('\n') +
        `\nimport { sampleEvent } from 'thunderphone-webhooks/testing';\nconst body: string = sampleEvent('call.complete').body;\nexport { body };\n`,
    );
    expect(tsc(['--module', 'commonjs', '--moduleResolution', 'node10', file])).toBe('');
  });

  it.each(['node16', 'bundler'])('types resolve for every entry with moduleResolution %s', (resolution) => {
    const file = join(consumer, `use-${resolution}.mts`);
    writeFileSync(
      file,
      entries.map((e, i) => `import * as m${i} from ${JSON.stringify(e)};\nexport const k${i} = Object.keys(m${i});`).join('\n') +
        `\nimport { sign } from 'thunderphone-webhooks';\nconst s: string = sign('{}', 'whsec_x');\nexport { s };\n`,
    );
    const module = resolution === 'bundler' ? 'esnext' : 'node16';
    const out = tsc(['--module', module, '--moduleResolution', resolution, file]);
    expect(out).toBe('');
  });
});

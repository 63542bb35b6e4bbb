import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectApi, compareWithReports, describeProblems, type ApiEntry } from '../scripts/api-report.mjs';

// The public API per entry point, as committed in test/api/*.api.md. A removed, renamed, added
// or re-typed export fails here until `npm run api:update` regenerates the reports on purpose.
let api: ApiEntry[];

beforeAll(() => {
  api = collectApi();
}, 120_000);

function withEntry(key: string, change: (entry: ApiEntry) => ApiEntry): ApiEntry[] {
  return api.map((entry) => (entry.key === key ? change(structuredClone(entry)) : entry));
}

describe('public API reports (test/api/)', () => {
  it('match the exported names and signatures of every entry point', () => {
    const problems = compareWithReports(api);
    expect(problems, describeProblems(problems)).toEqual([]);
  });

  it('cover every entry point in package.json, each with exports', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
    const entries = Object.keys(pkg.exports).filter((key) => key !== './package.json');
    expect(entries).toContain('./redis');
    expect(api.map((e) => e.key)).toEqual(entries);
    for (const entry of api) expect(entry.exports.length, entry.key).toBeGreaterThan(0);
  });

  it('notice a removed export, a renamed one and a changed signature, naming them', () => {
    const removed = withEntry('.', (e) => ({ ...e, exports: e.exports.filter((x) => x.name !== 'verify') }));
    expect(compareWithReports(removed)).toEqual([{ entry: '.', report: 'index.api.md', kind: 'removed', names: ['verify'] }]);

    const renamed = withEntry('./web', (e) => ({ ...e, exports: e.exports.map((x) => (x.name === 'createWebHandler' ? { ...x, name: 'webHandler' } : x)) }));
    expect(compareWithReports(renamed)).toEqual([
      { entry: './web', report: 'web.api.md', kind: 'removed', names: ['createWebHandler'] },
      { entry: './web', report: 'web.api.md', kind: 'added', names: ['webHandler'] },
    ]);

    const retyped = withEntry('.', (e) => ({ ...e, exports: e.exports.map((x) => (x.name === 'sign' ? { ...x, text: 'function sign(body: string): string' } : x)) }));
    const problems = compareWithReports(retyped);
    expect(problems).toEqual([{ entry: '.', report: 'index.api.md', kind: 'changed signature', names: ['sign'] }]);
    expect(describeProblems(problems)).toMatch(/\.\/? ?\(index\.api\.md\): changed signature: sign\n.*npm run api:update/);
  });

  it('notice a new entry point without a report', () => {
    const first = api[0] as ApiEntry;
    const extra = [...api, { ...first, key: './sqlite', report: 'sqlite.api.md' }];
    expect(compareWithReports(extra)).toContainEqual(expect.objectContaining({ entry: './sqlite', kind: 'no report' }));
  });

  it('record signatures, not just names', () => {
    const sign = api[0]?.exports.find((e) => e.name === 'sign');
    expect(sign?.text).toBe('function sign(body: BodyInput, secret: string): string');
  });
});

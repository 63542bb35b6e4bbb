import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../scripts/api-report.mjs';
import { SIGNATURE_TROUBLESHOOTING, mismatchReason } from '../src/core/signature-header.js';

// The README's API reference and troubleshooting section stay complete and reachable.
const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The text under a `## heading`, up to the next `## `. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README has no "## ${heading}"`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 4);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** GitHub's anchor for a heading: lower case, spaces to dashes, punctuation dropped. */
const slug = (heading: string) => heading.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

describe('README API reference', () => {
  const reference = section('API reference');
  const reports = readdirSync(join(root, 'test', 'api')).filter((f) => f.endsWith('.api.md'));

  it.each(reports)('names every export in test/api/%s', (report) => {
    const names = [...parseReport(readFileSync(join(root, 'test', 'api', report), 'utf8')).keys()];
    expect(names.length).toBeGreaterThan(0);
    const missing = names.filter((name) => !new RegExp(`\`${name}\\b`).test(reference));
    expect(missing, 'exports the API reference does not mention').toEqual([]);
  });
});

describe('README troubleshooting signature failures', () => {
  const text = section('Troubleshooting signature failures');

  it('has the anchor that the library\'s mismatch message points to', () => {
    const anchor = SIGNATURE_TROUBLESHOOTING.split('#')[1];
    const headings = [...readme.matchAll(/^#{2,3} (.+)$/gm)].map((m) => slug(m[1] as string));
    expect(headings).toContain(anchor);
    expect(mismatchReason(1)).toContain(SIGNATURE_TROUBLESHOOTING);
    expect(mismatchReason(3)).toContain(SIGNATURE_TROUBLESHOOTING);
  });

  it.each([
    ['a body parser ahead of the middleware', /\*\*A body parser ran before the middleware\.\*\*/],
    ['the wrong secret for an endpoint', /\*\*The wrong secret for the endpoint\.\*\*/],
    ['whitespace in the secret', /\*\*Whitespace in the secret\.\*\*/],
    ['a proxy that re-encodes the body', /\*\*A proxy that re-encodes the body\.\*\*/],
    ['legacy versus endpoint secret', /\*\*Legacy versus endpoint secret\.\*\*/],
  ])('covers %s', (_topic, pattern) => {
    expect(text).toMatch(pattern);
  });
});

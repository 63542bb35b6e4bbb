import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonResponse, utf8Length } from '../src/core/response.js';

describe('utf8Length', () => {
  it('equals the length TextEncoder gives, lone surrogates included', () => {
    const anyUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), anyUnits, fc.string({ unit: 'grapheme' })), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).byteLength);
      }),
      { numRuns: 500 },
    );
  });

  it('gives Content-Length in bytes for a non-ASCII reply', () => {
    const body = JSON.stringify({ prompt: 'Grüße 👋' });
    expect(jsonResponse(200, body).headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });
});

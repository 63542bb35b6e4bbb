import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { sign, verify } from '../src/index.js';

const { vectors } = JSON.parse(readFileSync(new URL('./fixtures/signature-vectors.json', import.meta.url), 'utf8')) as {
  vectors: { secret: string; body: string; signature: string }[];
};

describe('published signature vectors', () => {
  it.each(vectors)('signs and verifies the vector for $secret', ({ secret, body, signature }) => {
    expect(sign(body, secret)).toBe(signature);
    expect(sign(Buffer.from(body, 'utf8'), secret)).toBe(signature);
    expect(verify(body, signature, secret)).toBe(true);
    expect(verify(body, signature, ['whsec_other', secret])).toBe(true);
    expect(verify(body, signature, 'whsec_other')).toBe(false);
    expect(createHmac('sha256', secret).update(body).digest('hex')).toBe(signature);
  });
});

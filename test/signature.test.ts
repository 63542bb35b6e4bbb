import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkSignature, sign, verify } from '../src/core/signature.js';
import { getHeader } from '../src/core/signature-header.js';
import { normalizeSecrets, secretProblems, warnAboutSecrets } from '../src/core/secrets.js';

const SECRET = 'whsec_test_secret';
const { vectors } = JSON.parse(readFileSync(new URL('./fixtures/signature-vectors.json', import.meta.url), 'utf8')) as {
  vectors: { secret: string; body: string; signature: string }[];
};

/** The documented algorithm, computed independently of the library. */
function hmacHex(body: string | Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

const bodyArb = fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.string({ unit: 'binary', maxLength: 200 }));

function flipHexChar(hex: string, index: number): string {
  const c = hex[index] as string;
  const replacement = c === '0' ? '1' : '0';
  return hex.slice(0, index) + replacement + hex.slice(index + 1);
}

describe('signature vectors', () => {
  it.each(vectors)('matches the fixture for $secret in every body form', ({ secret, body, signature }) => {
    const bytes = new TextEncoder().encode(body);
    expect(sign(bytes, secret)).toBe(signature);
    expect(sign(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), secret)).toBe(signature);
    expect(checkSignature(body, signature, secret)).toEqual({ ok: true, secretIndex: 0 });
    expect(checkSignature(body, signature, ['whsec_other', secret])).toEqual({ ok: true, secretIndex: 1 });
  });
});

describe('sign / verify properties', () => {
  it('every signed body verifies, and sign() equals createHmac over the same bytes', () => {
    fc.assert(
      fc.property(bodyArb, (body) => {
        const sig = sign(body, SECRET);
        expect(sig).toBe(hmacHex(body, SECRET));
        expect(sig).toMatch(/^[0-9a-f]{64}$/);
        expect(verify(body, sig, SECRET)).toBe(true);
      }),
    );
  });

  it('flipping any bit of any byte of the body makes verification fail', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (body, at, bit) => {
          const sig = sign(body, SECRET);
          const tampered = Uint8Array.from(body);
          const i = at % tampered.length;
          tampered[i] = (tampered[i] as number) ^ (1 << bit);
          expect(verify(tampered, sig, SECRET)).toBe(false);
          expect(checkSignature(tampered, sig, SECRET)).toMatchObject({ ok: false, code: 'invalid_signature' });
        },
      ),
    );
  });

  it('changing any one hex character of the signature makes verification fail', () => {
    fc.assert(
      fc.property(bodyArb, fc.integer({ min: 0, max: 63 }), (body, index) => {
        const sig = sign(body, SECRET);
        const bad = flipHexChar(sig, index);
        expect(bad).not.toBe(sig);
        expect(verify(body, bad, SECRET)).toBe(false);
      }),
    );
  });

  it('a different secret never verifies', () => {
    fc.assert(
      fc.property(bodyArb, fc.string({ minLength: 1, maxLength: 40 }), (body, other) => {
        fc.pre(other !== SECRET);
        expect(verify(body, hmacHex(body, other), SECRET)).toBe(false);
      }),
    );
  });
});

describe('body types', () => {
  const text = '{"data":{"name":"José 😀"},"type":"call.complete"}';
  const utf8 = Buffer.from(text, 'utf8');
  const expected = hmacHex(utf8, SECRET);

  it('hashes a string as UTF-8 (non-ASCII included)', () => {
    expect(utf8.byteLength).toBeGreaterThan(text.length); // proves the string has multi-byte characters
    expect(sign(text, SECRET)).toBe(expected);
    expect(verify(text, expected, SECRET)).toBe(true);
  });

  it('accepts a Buffer', () => {
    expect(sign(utf8, SECRET)).toBe(expected);
    expect(verify(utf8, expected, SECRET)).toBe(true);
  });

  it('accepts a plain Uint8Array', () => {
    const plain = new Uint8Array(utf8);
    expect(Buffer.isBuffer(plain)).toBe(false);
    expect(sign(plain, SECRET)).toBe(expected);
    expect(verify(plain, expected, SECRET)).toBe(true);
  });

  it('hashes only the bytes of a Uint8Array view that sits inside a larger ArrayBuffer', () => {
    const big = new ArrayBuffer(utf8.byteLength + 64);
    const whole = new Uint8Array(big);
    whole.fill(0x41); // 'A' padding around the view
    whole.set(utf8, 32);
    const view = new Uint8Array(big, 32, utf8.byteLength);
    expect(view.byteOffset).toBe(32);
    expect(sign(view, SECRET)).toBe(expected);
    expect(verify(view, expected, SECRET)).toBe(true);
    expect(verify(whole, expected, SECRET)).toBe(false);
  });

  it('hashes only the bytes of a Buffer slice (pooled Buffers have a byteOffset)', () => {
    const pooled = Buffer.concat([Buffer.from('prefix'), utf8, Buffer.from('suffix')]);
    const slice = pooled.subarray(6, 6 + utf8.byteLength);
    expect(sign(slice, SECRET)).toBe(expected);
    expect(verify(slice, expected, SECRET)).toBe(true);
  });

  it('accepts an ArrayBuffer', () => {
    const ab = new ArrayBuffer(utf8.byteLength);
    new Uint8Array(ab).set(utf8);
    expect(sign(ab, SECRET)).toBe(expected);
    expect(verify(ab, expected, SECRET)).toBe(true);
  });

  it('refuses a parsed object with a TypeError that explains why', () => {
    const parsed = JSON.parse(text) as unknown;
    expect(() => verify(parsed as string, expected, SECRET)).toThrow(TypeError);
    expect(() => verify(parsed as string, expected, SECRET)).toThrow(/raw bytes.*re-serialising/);
  });
});

describe('secrets', () => {
  const body = '{"data":{"call_id":1},"type":"call.complete"}';

  it('accepts a list during rotation and reports which secret matched', () => {
    const keys = ['whsec_old', 'whsec_new', 'whsec_newest'];
    keys.forEach((key, i) => {
      const sig = hmacHex(body, key);
      expect(checkSignature(body, sig, keys)).toEqual({ ok: true, secretIndex: i });
      expect(verify(body, sig, keys)).toBe(true);
    });
    const unrelated = checkSignature(body, hmacHex(body, 'whsec_unrelated'), keys);
    expect(unrelated).toMatchObject({ ok: false, code: 'invalid_signature' });
    if (!unrelated.ok) expect(unrelated.reason).toMatch(/any of the 3 configured secrets/);
  });

  const missing: [string, unknown][] = [
    ['an empty string', ''],
    ['undefined', undefined],
    ['null', null],
    ['an empty list', []],
    ["a list holding ''", ['', 'whsec_x_secret_value']],
    ['a whitespace-only string (an env var holding a newline)', '\n'],
    ['a list holding a whitespace-only string', ['whsec_x_secret_value', ' \t ']],
  ];

  it.each(missing)('throws a TypeError for %s, in verify, sign and normalizeSecrets', (_label, secrets) => {
    const sig = hmacHex(body, 'whsec_x_secret_value');
    for (const call of [
      () => verify(body, sig, secrets as string),
      () => checkSignature(body, sig, secrets as string),
      () => normalizeSecrets(secrets as string),
    ]) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      const message = (thrown as Error).message;
      expect(message).toMatch(/secret/);
      expect(message).not.toContain('whsec_x_secret_value');
      expect(message).not.toContain('\n');
    }
    if (typeof secrets === 'string' || secrets == null) expect(() => sign(body, secrets as string)).toThrow(TypeError);
  });

  it('names the position of a missing secret in a list', () => {
    expect(() => normalizeSecrets(['whsec_a', ''])).toThrow(/secret #2 is an empty string/);
    expect(() => normalizeSecrets(['whsec_a', '\r\n'])).toThrow(/secret #2 is only whitespace/);
    expect(() => normalizeSecrets(['whsec_a', undefined as unknown as string])).toThrow(/secret #2 is undefined/);
  });

  it('never accepts a request signed with the empty key (HMAC("", body))', () => {
    const emptyKeySig = hmacHex(body, '');
    expect(() => verify(body, emptyKeySig, '')).toThrow(TypeError);
    expect(() => verify(body, emptyKeySig, [''])).toThrow(TypeError);
    expect(() => verify(body, hmacHex(body, '\n'), '\n')).toThrow(TypeError);
    expect(verify(body, emptyKeySig, SECRET)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        expect(verify(bytes, hmacHex(bytes, ''), SECRET)).toBe(false);
      }),
    );
  });

  describe('warnings about suspicious secrets', () => {
    afterEach(() => vi.restoreAllMocks());

    const cases: [string, string, RegExp][] = [
      ['whitespace-wrapped', ' whsec_ws_case_9f3a\n', /surrounding whitespace/],
      ['without the whsec_ prefix', 'plain_case_7c2d_value', /does not start with whsec_/],
      ['an API key', 'sk_live_x', /looks like an API key/],
      ['a v1,-prefixed secret', 'v1,whsec_x', /starts with "v1,"/],
    ];

    it.each(cases)('warns through the given logger for a secret %s, without quoting it', (_label, secret, problem) => {
      const lines: string[] = [];
      warnAboutSecrets([secret], { warn: (m: string) => lines.push(m) });
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).toMatch(problem);
      expect(lines.join('\n')).toMatch(/secret #1/);
      for (const line of lines) {
        expect(line).not.toContain(secret);
        expect(line).not.toContain(secret.trim());
      }
    });

    it('warns on stderr when verify() meets a suspicious secret, without quoting it', () => {
      const errors: string[] = [];
      vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
        errors.push(args.map(String).join(' '));
      });
      const secret = 'whsec_verify_case_4b1e\n';
      const sig = hmacHex(body, secret);
      expect(verify(body, sig, secret)).toBe(true); // used as-is, so the whitespace is part of the key
      expect(errors.join('\n')).toMatch(/surrounding whitespace/);
      for (const line of errors) expect(line).not.toContain('whsec_verify_case_4b1e');
    });

    it('reports nothing for a well-formed whsec_ secret', () => {
      expect(secretProblems('whsec_good_value')).toEqual([]);
      const lines: string[] = [];
      warnAboutSecrets(['whsec_good_value'], { warn: (m: string) => lines.push(m) });
      expect(lines).toEqual([]);
    });
  });
});

describe('verify() with the secret it checked on the previous call', () => {
  it('gives the same answers when calls switch between secrets, strings and lists', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ secret: fc.constantFrom('whsec_a_1', 'whsec_b_2', 'whsec_c_3'), asList: fc.boolean(), signer: fc.constantFrom('whsec_a_1', 'whsec_b_2') }), { minLength: 1, maxLength: 12 }),
        bodyArb,
        (calls, body) => {
          for (const { secret, asList, signer } of calls) {
            const sig = hmacHex(typeof body === 'string' ? new TextEncoder().encode(body) : body, signer);
            expect(verify(body, sig, asList ? [secret] : secret)).toBe(secret === signer);
          }
        },
      ),
    );
  });

  it('still refuses an empty secret after a good one was used', () => {
    const sig = hmacHex('{}', SECRET);
    expect(verify('{}', sig, SECRET)).toBe(true);
    expect(() => verify('{}', sig, '')).toThrow(/empty string/);
  });
});

describe('signature header policy', () => {
  const body = '{"data":{"call_id":7},"type":"call.graded"}';
  const valid = hmacHex(body, SECRET);
  const other = hmacHex(body + ' ', SECRET);

  const missingCases: [string, unknown][] = [
    ['no header (undefined)', undefined],
    ['null', null],
    ['an empty string', ''],
    ['spaces only', '   '],
    ['tabs and spaces only', ' \t \t'],
    ['an empty array', []],
    ['an array of empty strings', ['', ' ']],
  ];
  it.each(missingCases)('%s -> missing_signature', (_label, header) => {
    const outcome = checkSignature(body, header as string, SECRET);
    expect(outcome).toEqual({ ok: false, code: 'missing_signature', reason: 'missing X-ThunderPhone-Signature header' });
    expect(verify(body, header as string, SECRET)).toBe(false);
  });

  const invalidCases: [string, string | string[], RegExp][] = [
    ['"abcd"', 'abcd', /got 4 characters/],
    ['63 hex characters', valid.slice(0, 63), /got 63 characters/],
    ['65 hex characters', `${valid}0`, /got 65 characters/],
    ['128 hex characters', valid + valid, /got 128 characters/],
    ['64 non-hex characters', 'g'.repeat(64), /not all are hex/],
    ['64 non-ASCII characters', 'é'.repeat(64), /not all are hex/],
    ['a sha256= prefix', `sha256=${valid}`, /"sha256=" prefix/],
    ['upper-case hex', valid.toUpperCase(), /upper-case hex/],
    ['two different values in an array', [valid, other], /2 different values/],
    ['comma-joined different values (Node joins duplicates this way)', `${valid}, ${other}`, /2 different values/],
    ['another provider\'s "v1,<hex>" format', `v1,${valid}`, /2 different values.*one bare hex digest/],
    ['a trailing comma', `${valid},`, /an empty value among several/],
    ['a leading comma', `,${valid}`, /an empty value among several/],
    ['an empty entry in an array', [valid, ''], /an empty value among several/],
  ];
  it.each(invalidCases)('%s -> invalid_signature with a reason', (_label, header, reason) => {
    const outcome = checkSignature(body, header, SECRET);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.code).toBe('invalid_signature');
    expect(outcome.reason).toMatch(reason);
    expect(outcome.reason).not.toContain('\n');
    expect(verify(body, header, SECRET)).toBe(false);
  });

  it('upper-case hex is refused even though it encodes the right digest (matching the official helpers)', () => {
    expect(Buffer.from(valid.toUpperCase(), 'hex').equals(Buffer.from(valid, 'hex'))).toBe(true);
    expect(verify(body, valid.toUpperCase(), SECRET)).toBe(false);
  });

  const acceptedCases: [string, string | string[]][] = [
    ['the bare value', valid],
    ['surrounding spaces', `  ${valid}  `],
    ['surrounding tabs', `\t${valid}\t`],
    ['an array of two identical values', [valid, valid]],
    ['an array of one value', [valid]],
    ['comma-joined identical values', `${valid}, ${valid}`],
  ];
  it.each(acceptedCases)('%s -> accepted', (_label, header) => {
    expect(checkSignature(body, header, SECRET)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('a valid value wrapped in other whitespace (newline) is not treated as optional whitespace', () => {
    expect(verify(body, `${valid}\n`, SECRET)).toBe(false);
  });

  it('never throws for arbitrary header values', () => {
    const headerArb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.array(fc.string({ unit: 'binary', maxLength: 80 }), { maxLength: 4 }),
      fc.stringMatching(/^[0-9a-fA-F, \t=sha]{0,140}$/),
      fc.constantFrom(undefined, null, valid, [valid, valid]),
    );
    fc.assert(
      fc.property(headerArb, (header) => {
        const outcome = checkSignature(body, header, SECRET);
        expect(typeof outcome.ok).toBe('boolean');
        if (!outcome.ok) expect(['missing_signature', 'invalid_signature']).toContain(outcome.code);
        expect(() => verify(body, header, SECRET)).not.toThrow();
      }),
    );
  });

  it('never throws when the header holds odd non-string values', () => {
    for (const header of [42, {}, [1, 2], [null], true]) {
      expect(verify(body, header as unknown as string, SECRET)).toBe(false);
    }
  });
});

describe('getHeader', () => {
  it('finds a header whatever the case of its name, lower-case records first', () => {
    expect(getHeader({ 'x-thunderphone-signature': 'a' }, 'X-ThunderPhone-Signature')).toBe('a');
    expect(getHeader({ 'X-ThunderPhone-Signature': 'b' }, 'x-thunderphone-signature')).toBe('b');
    expect(getHeader({ 'content-length': 12 }, 'Content-Length')).toBe('12');
    expect(getHeader({ 'x-list': ['1', '2'] }, 'x-list')).toEqual(['1', '2']);
    expect(getHeader({ 'x-empty': null, 'X-Other': 'c' }, 'x-empty')).toBeUndefined();
    expect(getHeader({ 'X-Other': 'c' }, 'x-missing')).toBeUndefined();
    expect(getHeader(undefined, 'x')).toBeUndefined();
    // A name on the prototype is not a header.
    expect(getHeader({}, 'constructor')).toBeUndefined();
  });
});

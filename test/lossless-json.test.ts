import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonLossless, serializeSorted } from '../src/core/lossless-json.js';

describe('parseJsonLossless', () => {
  it('keeps a 64-bit call_id as its exact digits', () => {
    const value = parseJsonLossless('{"data":{"call_id":12345678901234567890},"type":"call.complete"}') as {
      data: { call_id: unknown };
      type: string;
    };
    expect(value.data.call_id).toBe('12345678901234567890');
    expect(typeof value.data.call_id).toBe('string');
    expect(value.type).toBe('call.complete');
    // What plain JSON.parse would have done: a rounded number with different digits.
    expect(String((JSON.parse('{"a":12345678901234567890}') as { a: number }).a)).not.toBe('12345678901234567890');
  });

  it('keeps 2^53 - 1 as a number and turns 2^53 into a string', () => {
    expect(parseJsonLossless('{"a":9007199254740991}')).toEqual({ a: 9007199254740991 });
    expect(parseJsonLossless('{"a":9007199254740992}')).toEqual({ a: '9007199254740992' });
    expect(parseJsonLossless('[1000000000000000, 9999999999999999, 10000000000000000]')).toEqual([
      1000000000000000,
      '9999999999999999',
      '10000000000000000',
    ]);
  });

  it('handles negative integers on both sides of the limit', () => {
    expect(parseJsonLossless('{"a":-9007199254740991}')).toEqual({ a: -9007199254740991 });
    expect(parseJsonLossless('{"a":-9007199254740992}')).toEqual({ a: '-9007199254740992' });
    expect(parseJsonLossless('{"a":-12345678901234567890}')).toEqual({ a: '-12345678901234567890' });
  });

  it('turns a top-level big integer into a string too', () => {
    expect(parseJsonLossless('98765432109876543210')).toBe('98765432109876543210');
    expect(parseJsonLossless(' -98765432109876543210 ')).toBe('-98765432109876543210');
  });

  it('leaves digits inside strings untouched, including escaped quotes and backslashes', () => {
    const text =
      '{"note":"12345678901234567890","q":"say \\"12345678901234567890\\"","b":"\\\\","n":12345678901234567890,"k":"\\\\12345678901234567891"}';
    expect(parseJsonLossless(text)).toEqual({
      note: '12345678901234567890',
      q: 'say "12345678901234567890"',
      b: '\\',
      n: '12345678901234567890',
      k: '\\12345678901234567891',
    });
  });

  it('leaves digits inside keys untouched', () => {
    expect(parseJsonLossless('{"12345678901234567890":1}')).toEqual({ '12345678901234567890': 1 });
  });

  it('parses floats and exponents with many digits exactly as JSON.parse does', () => {
    for (const literal of [
      '12345678901234567890.5',
      '1234567890123456789012345e0',
      '12345678901234567890E-5',
      '-12345678901234567890e+2',
      '0.12345678901234567890123',
      '3.141592653589793238462643383279',
      '1e400',
      '-0',
      '1E21',
    ]) {
      const text = `{"x":${literal},"y":[${literal}]}`;
      expect(parseJsonLossless(text)).toEqual(JSON.parse(text));
    }
  });

  it('works inside nested arrays and objects', () => {
    const text = '[[1,[12345678901234567890,{"a":[-99999999999999999999,2.5]}]],{"b":{"c":[9007199254740993]}}]';
    expect(parseJsonLossless(text)).toEqual([
      [1, ['12345678901234567890', { a: ['-99999999999999999999', 2.5] }]],
      { b: { c: ['9007199254740993'] } },
    ]);
  });

  it('still throws on invalid JSON, even when it contains big integers', () => {
    for (const text of [
      '{"a":}',
      '{"a":12345678901234567890',
      '{a:12345678901234567890}',
      '[12345678901234567890,]',
      '{"a":09007199254740993}', // leading zero: invalid JSON, must not be "fixed" by quoting
      '{"a":-09007199254740993}',
      '{"a":"unterminated 12345678901234567890}',
      '',
      'undefined',
    ]) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => parseJsonLossless(text), text).toThrow(SyntaxError);
    }
  });

  it('deep-equals JSON.parse for arbitrary JSON values that hold only safe numbers', () => {
    const number = fc.oneof(
      fc.maxSafeInteger(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d) || Number.isSafeInteger(d)),
    );
    const { json } = fc.letrec((tie) => ({
      json: fc.oneof(
        { depthSize: 'small' },
        number,
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('json'), { maxLength: 5 }),
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), tie('json'), { maxKeys: 5 }),
      ),
    }));
    fc.assert(
      fc.property(json, fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        expect(parseJsonLossless(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('returns the exact digits for any integer beyond the safe range', () => {
    const big = fc.oneof(
      fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 2n ** 70n }),
      fc.bigInt({ min: -(2n ** 70n), max: BigInt(Number.MIN_SAFE_INTEGER) - 1n }),
    );
    fc.assert(
      fc.property(big, fc.string({ maxLength: 20 }), (n, note) => {
        const text = `{"id":${n},"note":${JSON.stringify(note + n.toString())},"list":[${n}]}`;
        expect(parseJsonLossless(text)).toEqual({ id: n.toString(), note: note + n.toString(), list: [n.toString()] });
      }),
    );
  });
});

describe('parseJsonLossless: the fast path and the exact path agree', () => {
  // Values mixing safe numbers, large floats (which send the parse down the exact path without
  // holding an unsafe integer) and unsafe integers (bigints here, written as bare digits).
  const leaf = fc.oneof(
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d) || Number.isSafeInteger(d)),
    fc.constantFrom(1e300, -1.5e20, 9007199254740992.5, 1e16),
    fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 2n ** 80n }),
    fc.bigInt({ min: -(2n ** 80n), max: BigInt(Number.MIN_SAFE_INTEGER) - 1n }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constant(null),
    fc.boolean(),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 })),
  }));

  // Written and expected independently of the library: bigints as bare digits in the text and
  // as their digits in the expected value; everything else as JSON.stringify and JSON.parse see it.
  const write = (v: unknown): string =>
    typeof v === 'bigint'
      ? v.toString()
      : Array.isArray(v)
        ? `[${v.map(write).join(',')}]`
        : v !== null && typeof v === 'object'
          ? `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`).join(',')}}`
          : (JSON.stringify(v) as string);
  const expected = (v: unknown): unknown =>
    typeof v === 'bigint'
      ? v.toString()
      : Array.isArray(v)
        ? v.map(expected)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expected(x)]))
          : literal(JSON.stringify(v));
  // A number JSON.stringify writes as a bare integer beyond 2^53 - 1 (1e16, say) is such a literal too.
  const literal = (text: string | undefined): unknown =>
    text !== undefined && /^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text)) ? text : JSON.parse(text as string);

  it('gives the exact digits of every unsafe integer and JSON.parse values for the rest', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(parseJsonLossless(write(v))).toEqual(expected(v));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps large floats as JSON.parse reads them', () => {
    expect(parseJsonLossless('[1e300,-1.5e20,9007199254740993.5,1E16,12345678901234567890]')).toEqual([1e300, -1.5e20, 9007199254740993.5, 1e16, '12345678901234567890']);
  });
});

describe('serializeSorted', () => {
  it('matches Python json.dumps(sort_keys=True, separators=(",", ":")) for a small object', () => {
    // json.dumps({"b":1,"a":"é"}, sort_keys=True, separators=(',',':'))
    expect(serializeSorted({ b: 1, a: 'é' })).toBe('{"a":"\\u00e9","b":1}');
  });

  it('sorts keys at every depth, including inside arrays', () => {
    const value = { z: { y: 1, b: [{ d: 1, c: 2 }], a: null }, a: [3, { b: true, a: false }] };
    expect(serializeSorted(value)).toBe('{"a":[3,{"a":false,"b":true}],"z":{"a":null,"b":[{"c":2,"d":1}],"y":1}}');
  });

  it('is compact: no spaces after separators', () => {
    expect(serializeSorted({ a: [1, 2], b: { c: 'x y' } })).toBe('{"a":[1,2],"b":{"c":"x y"}}');
  });

  it('escapes non-ASCII as \\uXXXX, astral characters as surrogate pairs, and DEL as Python does', () => {
    expect(serializeSorted('Café ☕')).toBe('"Caf\\u00e9 \\u2615"');
    expect(serializeSorted('😀')).toBe('"\\ud83d\\ude00"');
    expect(serializeSorted({ 'é': 'ü' })).toBe('{"\\u00e9":"\\u00fc"}');
    // Python: json.dumps("\x7f") == '"\\u007f"'; control characters use the short escapes where they exist.
    expect(serializeSorted('\x7f')).toBe('"\\u007f"');
    expect(serializeSorted('a\n\t"\\\x01')).toBe('"a\\n\\t\\"\\\\\\u0001"');
    expect(serializeSorted('~ !')).toBe('"~ !"');
  });

  it('orders keys by code point, as Python sorts str keys', () => {
    // sorted(["\uffff", "\U0001f600", "a"]) in Python: a, \uffff, 😀 (JS's default sort puts 😀 first).
    expect(serializeSorted({ '😀': 2, '\uffff': 1, a: 0 })).toBe('{"a":0,"\\uffff":1,"\\ud83d\\ude00":2}');
    expect(serializeSorted({ ab: 1, a: 2, B: 3 })).toBe('{"B":3,"a":2,"ab":1}');
  });

  it('writes a bigint as a bare integer', () => {
    expect(serializeSorted({ call_id: 12345678901234567890n })).toBe('{"call_id":12345678901234567890}');
    expect(serializeSorted([-1n])).toBe('[-1]');
    const round = parseJsonLossless(serializeSorted({ call_id: 12345678901234567890n })) as { call_id: string };
    expect(round.call_id).toBe('12345678901234567890');
  });

  it('drops undefined properties and writes undefined array items as null, like JSON.stringify', () => {
    expect(serializeSorted({ a: undefined, b: 1, c: () => 1 })).toBe('{"b":1}');
    expect(serializeSorted([undefined, 1])).toBe('[null,1]');
    expect(() => serializeSorted(undefined)).toThrow(TypeError);
  });

  it('writes numbers and toJSON values the way JSON.stringify does', () => {
    expect(serializeSorted({ n: 1.5, z: -0, i: Number.NaN })).toBe('{"i":null,"n":1.5,"z":0}');
    expect(serializeSorted({ when: new Date(0) })).toBe('{"when":"1970-01-01T00:00:00.000Z"}');
  });

  it('round-trips through JSON.parse for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = serializeSorted(value);
        expect(text).toMatch(/^[\x20-\x7e]*$/); // pure printable ASCII
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

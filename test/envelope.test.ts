import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constructEvent } from '../src/core/construct-event.js';
import { parseEnvelope } from '../src/core/envelope.js';
import { isEvent } from '../src/core/event-types.js';
import { ERROR_STATUS, WebhookError, isWebhookError, type WebhookErrorCode } from '../src/core/errors.js';

const SECRET = 'whsec_envelope_tests';
const hmacHex = (body: string | Uint8Array, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const bytesOf = (text: string) => new TextEncoder().encode(text);

function caught(fn: () => unknown): WebhookError {
  try {
    fn();
  } catch (error) {
    expect(isWebhookError(error)).toBe(true);
    return error as WebhookError;
  }
  throw new Error('expected a WebhookError, but nothing was thrown');
}

function expectRefusal(fn: () => unknown, code: WebhookErrorCode, status: number, reason?: RegExp): WebhookError {
  const error = caught(fn);
  expect(error).toBeInstanceOf(WebhookError);
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('WebhookError');
  expect(error.code).toBe(code);
  expect(error.status).toBe(status);
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.message).not.toContain('\n');
  expect(error.message).not.toContain(SECRET);
  if (reason) expect(error.message).toMatch(reason);
  return error;
}

describe('constructEvent', () => {
  const compact = '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';

  it('returns the typed event for a correctly signed body', () => {
    const event = constructEvent(compact, hmacHex(compact), SECRET);
    expect(event).toEqual(JSON.parse(compact));
    expect(event.type).toBe('call.incoming');
    expect(isEvent(event, 'call.incoming') && event.data.from_number).toBe('+14155550199');
  });

  it('verifies the exact bytes as sent, never a re-serialised copy', () => {
    // Pretty-printed, unsorted, with `\/` escapes, CRLF and tabs: any re-serialisation changes these bytes.
    const odd = '{\r\n\t"type" :  "call.complete" ,\n  "data": {\n    "recording_url": "https:\\/\\/rec.example\\/a.mp3",\n    "call_id":12345678901234567890 ,"from_number":"+1","to_number":"+2"\n  }\n}\n';
    expect(JSON.stringify(JSON.parse(odd))).not.toBe(odd);
    const event = constructEvent(odd, hmacHex(odd), SECRET);
    expect(event.type).toBe('call.complete');
    const data = event.data as Record<string, unknown>;
    expect(data.recording_url).toBe('https://rec.example/a.mp3');
    expect(data.call_id).toBe('12345678901234567890');
    // The same event re-serialised would not verify against the original signature.
    expect(() => constructEvent(JSON.stringify(JSON.parse(odd)), hmacHex(odd), SECRET)).toThrow(WebhookError);
  });

  it('accepts Buffer, Uint8Array and ArrayBuffer bodies', () => {
    const buffer = Buffer.from(compact);
    const sig = hmacHex(buffer);
    expect(constructEvent(buffer, sig, SECRET).type).toBe('call.incoming');
    expect(constructEvent(new Uint8Array(buffer), sig, SECRET).type).toBe('call.incoming');
    const ab = new Uint8Array(buffer).buffer;
    expect(constructEvent(ab, sig, SECRET).type).toBe('call.incoming');
  });

  it('accepts any of several secrets (rotation)', () => {
    expect(constructEvent(compact, hmacHex(compact, 'whsec_new'), ['whsec_old', 'whsec_new']).type).toBe('call.incoming');
  });

  it('refuses a missing signature with missing_signature (401)', () => {
    expectRefusal(() => constructEvent(compact, undefined, SECRET), 'missing_signature', 401, /missing X-ThunderPhone-Signature/);
    expectRefusal(() => constructEvent(compact, '', SECRET), 'missing_signature', 401);
  });

  it('refuses a wrong or malformed signature with invalid_signature (401)', () => {
    expectRefusal(() => constructEvent(compact, hmacHex(compact, 'whsec_wrong'), SECRET), 'invalid_signature', 401, /does not match/);
    expectRefusal(() => constructEvent(compact, 'abcd', SECRET), 'invalid_signature', 401, /64 lower-case hex/);
    expectRefusal(() => constructEvent(`${compact} `, hmacHex(compact), SECRET), 'invalid_signature', 401);
  });

  it('checks the signature before the JSON: a tampered invalid body is a 401, not a 400', () => {
    expectRefusal(() => constructEvent('not json', hmacHex('other'), SECRET), 'invalid_signature', 401);
  });

  it('refuses a signed body that is not JSON with invalid_json (400)', () => {
    const body = '{"type":"call.complete",';
    expectRefusal(() => constructEvent(body, hmacHex(body), SECRET), 'invalid_json', 400, /not valid JSON/);
  });

  it('refuses signed bytes that are not valid UTF-8 with invalid_json (400)', () => {
    const body = Uint8Array.from([...bytesOf('{"type":"call.complete","data":{"x":"'), 0xff, 0xfe, ...bytesOf('"}}')]);
    expectRefusal(() => constructEvent(body, hmacHex(body), SECRET), 'invalid_json', 400, /UTF-8/);
    const truncated = Uint8Array.from([...bytesOf('{"type":"x","data":"'), 0xe2, 0x82, ...bytesOf('"}')]);
    expectRefusal(() => constructEvent(truncated, hmacHex(truncated), SECRET), 'invalid_json', 400, /UTF-8/);
  });

  const badEnvelopes: [string, string, RegExp][] = [
    ['an array body', '[{"type":"call.complete","data":{}}]', /JSON object/],
    ['a string body', '"call.complete"', /JSON object/],
    ['null', 'null', /JSON object/],
    ['no type', '{"data":{"call_id":1}}', /no "type" string/],
    ['a numeric type', '{"type":42,"data":{"call_id":1}}', /no "type" string/],
    ['an empty type', '{"type":"","data":{}}', /no "type" string/],
    ['a known type without data', '{"type":"call.complete"}', /call\.complete event has no "data" object/],
    ['a known type with null data', '{"type":"call.graded","data":null}', /no "data" object/],
    ['a known type with array data', '{"type":"call.incoming","data":[1]}', /no "data" object/],
    ['a known type with string data', '{"type":"issue.reported","data":"x"}', /no "data" object/],
  ];
  it.each(badEnvelopes)('refuses %s with invalid_envelope (400)', (_label, body, reason) => {
    expectRefusal(() => constructEvent(body, hmacHex(body), SECRET), 'invalid_envelope', 400, reason);
  });

  it('passes an unknown type through untouched, whatever its data', () => {
    for (const body of [
      '{"type":"voice.started","data":{"nested":{"a":[1,2,{"b":null}]},"extra":true},"meta":{"v":2}}',
      '{"type":"alert.triggered"}',
      '{"type":"future.event","data":[1,"two"]}',
      '{"type":"future.event","data":"text"}',
    ]) {
      const event = constructEvent(body, hmacHex(body), SECRET);
      expect(event).toEqual(JSON.parse(body));
    }
  });

  it('keeps unknown fields on known events', () => {
    const body = '{"data":{"call_id":1,"brand_new":{"x":1}},"top_level_extra":"y","type":"call.complete"}';
    expect(constructEvent(body, hmacHex(body), SECRET)).toEqual(JSON.parse(body));
  });

  it('treats event_id as optional', () => {
    const withId = '{"data":{"call_id":42},"event_id":"evt","type":"call.graded"}';
    const withoutId = '{"data":{"call_id":42},"type":"call.graded"}';
    expect(constructEvent(withId, hmacHex(withId), SECRET).event_id).toBe('evt');
    const event = constructEvent(withoutId, hmacHex(withoutId), SECRET);
    expect(event.event_id).toBeUndefined();
    expect('event_id' in event).toBe(false);
  });

  it('throws a TypeError (a programming error, not a refusal) when no secret is configured', () => {
    expect(() => constructEvent(compact, hmacHex(compact, ''), '')).toThrow(TypeError);
    expect(() => constructEvent(compact, hmacHex(compact), undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('parseEnvelope', () => {
  it('parses verified bytes into an event with lossless ids', () => {
    const event = parseEnvelope(bytesOf('{"data":{"call_id":12345678901234567890,"name":"José 😀"},"type":"call.complete"}'));
    expect(event).toEqual({ data: { call_id: '12345678901234567890', name: 'José 😀' }, type: 'call.complete' });
  });

  it('reads the bytes of a Uint8Array view only', () => {
    const text = '{"type":"call.graded","data":{"call_id":1}}';
    const framed = bytesOf(`xxxx${text}yyyy`);
    const view = framed.subarray(4, 4 + text.length);
    expect(parseEnvelope(view)).toEqual(JSON.parse(text));
  });

  it('throws the same coded errors as constructEvent', () => {
    expectRefusal(() => parseEnvelope(Uint8Array.from([0xc3])), 'invalid_json', 400);
    expectRefusal(() => parseEnvelope(bytesOf('')), 'invalid_json', 400);
    expectRefusal(() => parseEnvelope(bytesOf('[]')), 'invalid_envelope', 400);
  });
});

describe('WebhookError', () => {
  it('carries the code, the mapped status and a one-line message', () => {
    const error = new WebhookError('body_too_large', 'body is 2 bytes; the limit is 1');
    expect(error.code).toBe('body_too_large');
    expect(error.status).toBe(413);
    expect(error.message).toBe('body is 2 bytes; the limit is 1');
    expect(isWebhookError(error)).toBe(true);
    expect(isWebhookError(new Error('x'))).toBe(false);
  });

  it('maps every code to the status the receiver answers with', () => {
    expect(ERROR_STATUS).toMatchObject({
      missing_signature: 401,
      invalid_signature: 401,
      invalid_json: 400,
      invalid_envelope: 400,
      body_too_large: 413,
      unsupported_encoding: 415,
      method_not_allowed: 405,
      handler_failed: 500,
    });
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(new WebhookError(code as WebhookErrorCode, 'x').status).toBe(status);
    }
  });

  it('keeps a cause without putting it in the message', () => {
    const cause = new Error('database password=hunter2');
    const error = new WebhookError('internal_error', 'internal error', { cause });
    expect(error.cause).toBe(cause);
    expect(error.message).not.toContain('hunter2');
  });
});

describe('JSON shape rules (nesting depth, prototype-polluting keys)', () => {
  const wrap = (data: string) => bytesOf(`{"data":${data},"type":"call.complete"}`);
  const arrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('accepts 128 levels and refuses 129, counting the envelope itself', () => {
    // The envelope is level 1 and "data" level 2, so 126 arrays inside make 128.
    expect(parseEnvelope(wrap(`{"x":${arrays(126)}}`)).type).toBe('call.complete');
    expectRefusal(() => parseEnvelope(wrap(`{"x":${arrays(127)}}`)), 'invalid_json', 400, /^body nests deeper than 128 levels$/);
  });

  it('keeps plain "constructor" and "prototype" values as data', () => {
    const event = parseEnvelope(wrap('{"constructor":"Acme","prototype":{"a":1},"nested":{"constructor":{"name":"x"}}}'));
    expect(event.data).toEqual({ constructor: 'Acme', prototype: { a: 1 }, nested: { constructor: { name: 'x' } } });
  });

  it('refuses __proto__ and constructor.prototype, wherever they are, and leaves Object.prototype alone', () => {
    for (const data of ['{"__proto__":{"x":1}}', '{"a":[{"b":{"__proto__":null}}]}', '{"constructor":{"prototype":{"x":1}}}']) {
      expectRefusal(() => parseEnvelope(wrap(data)), 'invalid_json', 400, /pollute prototypes/);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('applies to tool-call arguments too', async () => {
    const { toolHandler } = await import('../src/tool/index.js');
    const tool = toolHandler({ secret: SECRET, logger: { warn() {}, error() {} } }, () => ({ ok: true }));
    const body = bytesOf('{"__proto__":{"admin":true}}');
    const res = await tool.handle({ method: 'POST', headers: { 'x-thunderphone-signature': hmacHex(body) }, body });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toBe('invalid_json');
  });
});

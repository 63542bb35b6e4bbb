// Property-based tests (fast-check) over random bodies, chunk splits and mutations. A small run is
// part of npm test; `npm run fuzz` sets FUZZ_RUNS for the long run (see package.json).
// Signatures are computed here with node:crypto, independently of the library.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, KNOWN_EVENT_TYPES, createReceiver, thunderphoneMiddleware, type AnyHandler } from '../src/index.js';
import { createWebHandler } from '../src/web/index.js';
import { close, listen } from './support/node-requests.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const HTTP_RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? process.env.FUZZ_RUNS ?? 60);
const TIMEOUT = (runs: number) => Math.max(20_000, runs * 10);
const SECRET = 'whsec_fuzz_secret_😀_é';
const OTHER_SECRET = 'whsec_fuzz_other';
const LIMIT = 64 * 1024;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const total = { cases: 0 };
afterAll(() => console.log(`fuzz: ${total.cases} cases`));

const hmac = (bytes: Uint8Array, secret = SECRET) => createHmac('sha256', secret).update(bytes).digest('hex');

// ---- arbitraries -------------------------------------------------------------------------------

// Keys that the receiver refuses on purpose (see json-shape.ts) are left out; the corpus covers them.
const key = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => k !== '__proto__' && k !== 'constructor');
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const leaf = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 4, noNullPrototype: true })),
})).v;
const eventType = fc.oneof(fc.constantFrom(...KNOWN_EVENT_TYPES), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }));
const envelope = fc.record(
  { type: eventType, data: fc.dictionary(key, value, { maxKeys: 6, noNullPrototype: true }), event_id: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
  { requiredKeys: ['type', 'data'] },
);
/** The envelope's bytes as UTF-8 JSON (raw multibyte characters, unlike ThunderPhone's \\u escapes), maybe pretty-printed. */
const body = fc.tuple(envelope, fc.constantFrom(undefined, 2, '\t')).map(([e, indent]) => Buffer.from(JSON.stringify(e, null, indent), 'utf8'));
/** Cut points anywhere in the bytes, so multibyte characters are split across chunks. */
const withCuts = body.chain((bytes) =>
  fc.tuple(fc.constant(bytes), fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 12 })),
);
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end)).filter((c) => c.length > 0);
}
const splitsMultibyte = (bytes: Buffer, cuts: number[]) => cuts.some((c) => c < bytes.length && (bytes[c]! & 0xc0) === 0x80);

// ---- receivers under test --------------------------------------------------------------------------

const seen: { type: string; rawBody: Uint8Array }[] = [];
const record: AnyHandler = (event, context) => void seen.push({ type: event.type, rawBody: context.rawBody });
const options = { secret: SECRET, limit: LIMIT, logger: quiet, handlers: { '*': record } };
const web = createWebHandler(options);
const receiver = createReceiver(options);

let server: http.Server;
let base: URL;
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
beforeAll(async () => {
  server = http.createServer(thunderphoneMiddleware({ ...options, path: '/hook' }));
  base = new URL(await listen(server));
});
afterAll(async () => {
  agent.destroy();
  await close(server);
});

/** A real chunked request: one write, so one chunk frame, per piece. */
function postChunked(chunks: Buffer[], signature: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, path: '/hook', method: 'POST', agent, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-thunderphone-signature': signature } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

function streamOf(chunks: Buffer[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({ pull: (c) => (i < chunks.length ? c.enqueue(new Uint8Array(chunks[i++]!)) : c.close()) });
}

function expectAccepted(status: number, reply: string, type: string, bytes: Buffer) {
  expect(status).toBe(200);
  expect(reply).toBe(type.endsWith('.incoming') && KNOWN_EVENT_TYPES.includes(type as never) ? '{}' : '{"ok":true}');
  expect(seen).toHaveLength(1);
  expect(seen[0]!.type).toBe(type);
  expect(Buffer.from(seen[0]!.rawBody).equals(bytes)).toBe(true);
}

// ---- the properties --------------------------------------------------------------------------------

describe('signed input always verifies', () => {
  it('over node:http, as a real chunked request split at random bytes (multibyte characters included)', async () => {
    let multibyteSplits = 0;
    await fc.assert(
      fc.asyncProperty(withCuts, async ([bytes, cuts]) => {
        total.cases++;
        seen.length = 0;
        if (splitsMultibyte(bytes, cuts)) multibyteSplits++;
        const reply = await postChunked(split(bytes, cuts), hmac(bytes));
        expectAccepted(reply.status, reply.body, JSON.parse(bytes.toString('utf8')).type, bytes);
      }),
      { numRuns: HTTP_RUNS },
    );
    // The property did exercise what it claims to.
    expect(multibyteSplits).toBeGreaterThan(HTTP_RUNS / 10);
  }, TIMEOUT(HTTP_RUNS * 3));

  it('through the Web adapter, as a body stream split at random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(withCuts, async ([bytes, cuts]) => {
        total.cases++;
        seen.length = 0;
        const res = await web(new Request('http://localhost/hook', { method: 'POST', body: streamOf(split(bytes, cuts)), duplex: 'half', headers: { 'x-thunderphone-signature': hmac(bytes) } } as RequestInit));
        expectAccepted(res.status, await res.text(), JSON.parse(bytes.toString('utf8')).type, bytes);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT(RUNS));
});

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'delete'; at: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'hex'; at: number; by: number }
  | { kind: 'upper'; at: number }
  | { kind: 'dropChar'; at: number }
  | { kind: 'addChar'; at: number; char: string }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'otherSecret' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('hex' as const), at: fc.nat({ max: 63 }), by: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ kind: fc.constant('upper' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dropChar' as const), at: fc.nat({ max: 63 }) }),
  fc.record({ kind: fc.constant('addChar' as const), at: fc.nat({ max: 64 }), char: fc.constantFrom(...'0123456789abcdef ,=') }),
  fc.record({ kind: fc.constant('prefix' as const), prefix: fc.constantFrom('sha256=', 'v1,', 'SHA256=', '0x') }),
  fc.constant({ kind: 'otherSecret' as const }),
);

/** Applies the mutation to the body or to the valid signature; returns what is sent. */
function mutate(bytes: Buffer, m: Mutation): { body: Buffer; signature: string } {
  const signature = hmac(bytes);
  const at = (n: number, len: number) => n % Math.max(1, len);
  switch (m.kind) {
    case 'flip': {
      const body = Buffer.from(bytes);
      body[at(m.at, body.length)]! ^= 1 << m.bit;
      return { body, signature };
    }
    case 'delete': {
      const i = at(m.at, bytes.length);
      return { body: Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]), signature };
    }
    case 'insert': {
      const i = at(m.at, bytes.length + 1);
      return { body: Buffer.concat([bytes.subarray(0, i), Buffer.from([m.byte]), bytes.subarray(i)]), signature };
    }
    case 'truncate':
      return { body: bytes.subarray(0, at(m.at, bytes.length)), signature };
    case 'append':
      return { body: Buffer.concat([bytes, m.bytes]), signature };
    case 'hex': {
      const digit = (parseInt(signature[m.at]!, 16) + m.by) % 16;
      return { body: bytes, signature: signature.slice(0, m.at) + digit.toString(16) + signature.slice(m.at + 1) };
    }
    case 'upper': {
      const letters = [...signature].flatMap((c, i) => (/[a-f]/.test(c) ? [i] : []));
      if (letters.length === 0) return { body: bytes, signature: signature.toUpperCase() + 'X' };
      const i = letters[m.at % letters.length]!;
      return { body: bytes, signature: signature.slice(0, i) + signature[i]!.toUpperCase() + signature.slice(i + 1) };
    }
    case 'dropChar':
      return { body: bytes, signature: signature.slice(0, m.at) + signature.slice(m.at + 1) };
    case 'addChar': {
      // Spaces around the value are optional whitespace (RFC 9110), which the header policy ignores
      // on purpose: a space is added inside the digest instead.
      const i = m.char === ' ' && (m.at === 0 || m.at === 64) ? 32 : m.at;
      return { body: bytes, signature: signature.slice(0, i) + m.char + signature.slice(i) };
    }
    case 'prefix':
      return { body: bytes, signature: m.prefix + signature };
    case 'otherSecret':
      return { body: bytes, signature: hmac(bytes, OTHER_SECRET) };
  }
}

describe('every mutation is rejected', () => {
  it('a changed body byte, a changed length, or a changed signature header: 401, and no handler runs', async () => {
    await fc.assert(
      fc.asyncProperty(body, mutation, async (bytes, m) => {
        total.cases++;
        seen.length = 0;
        const sent = mutate(bytes, m);
        const res = await web(new Request('http://localhost/hook', { method: 'POST', body: new Uint8Array(sent.body), headers: { 'x-thunderphone-signature': sent.signature } }));
        expect(res.status).toBe(401);
        expect((await res.json()).error).toMatch(/^(invalid|missing)_signature$/);
        expect(seen).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT(RUNS));
});

const STATUSES = new Set<number>([200, 202, ...Object.values(ERROR_STATUS)]);
const headerValue = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.array(fc.string({ maxLength: 70 }), { maxLength: 3 }), fc.integer(), fc.constant(undefined), fc.constant(null));
const headerName = fc.oneof(fc.constantFrom('x-thunderphone-signature', 'X-ThunderPhone-Signature', 'content-length', 'content-encoding', 'content-type', 'transfer-encoding'), fc.string({ maxLength: 20 }));
const rawBody = fc.oneof(fc.uint8Array({ maxLength: 300 }), body, body.map((b) => b.subarray(0, Math.floor(b.length / 2))));

describe('nothing throws out of the adapter', () => {
  it('the receiver answers any method, header record and bytes with a known status and a JSON body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant('POST'), fc.constant('post'), fc.string({ maxLength: 10 })),
        fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
        rawBody,
        fc.boolean(),
        async (method, headers, bytes, signIt) => {
          total.cases++;
          if (signIt) headers['x-thunderphone-signature'] = hmac(Buffer.from(bytes));
          const early = receiver.precheck({ method, headers: headers as never });
          const res = early ?? (await receiver.handle({ method, headers: headers as never, body: bytes }));
          expect(STATUSES.has(res.status), `status ${res.status}`).toBe(true);
          const parsed = JSON.parse(res.body) as Record<string, unknown>;
          if (res.status >= 400) expect(Object.keys(parsed)).toEqual(['error', 'message']);
        },
      ),
      { numRuns: RUNS },
    );
  }, TIMEOUT(RUNS));

  it('the Web adapter answers any valid Request with a known status and never rejects', async () => {
    const validHeader = fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[\0\r\n]/g, '').trim());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'PUT', 'GET', 'PATCH', 'DELETE'),
        fc.dictionary(fc.constantFrom('x-thunderphone-signature', 'content-encoding', 'content-type', 'x-other'), validHeader, { maxKeys: 4 }),
        rawBody,
        fc.boolean(),
        async (method, headers, bytes, signIt) => {
          total.cases++;
          if (signIt) headers['x-thunderphone-signature'] = hmac(Buffer.from(bytes));
          const init: RequestInit = { method, headers };
          if (method !== 'GET') init.body = new Uint8Array(bytes);
          const res = await web(new Request('http://localhost/hook', init));
          expect(STATUSES.has(res.status), `status ${res.status}`).toBe(true);
          const parsed = JSON.parse(await res.text()) as Record<string, unknown>;
          if (res.status >= 400) expect(Object.keys(parsed)).toEqual(['error', 'message']);
        },
      ),
      { numRuns: RUNS },
    );
  }, TIMEOUT(RUNS));
});

import { createSecretKey } from 'node:crypto';
import http from 'node:http';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BODY_HASHER, bodyHasherOf, createBodyHasher, takeDigests, type BodyHasher } from '../src/core/body-digest.js';
import { matchSignature } from '../src/core/signature.js';
import { createReceiver, thunderphoneMiddleware, silentLogger } from '../src/index.js';
import { createReceiver as webCreateReceiver } from '../src/web/index.js';
import Fastify from 'fastify';
import Koa from 'koa';
import { thunderphonePlugin } from '../src/fastify/index.js';
import { thunderphoneKoa } from '../src/koa/index.js';
import { COMPLETE, SECRET, close, hmac, listen } from './support/node-requests.js';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

function chunksOf(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, bytes.byteLength]) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  return out;
}

describe('createBodyHasher', () => {
  it('seals the HMAC of every key, however the body is cut into chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (bytes, cuts, withKeyObjects) => {
        const keys = [SECRET, 'whsec_other_ü'];
        const hasher = withKeyObjects ? createBodyHasher(keys, keys.map((k) => createSecretKey(Buffer.from(k, 'utf8')))) : createBodyHasher(keys);
        for (const chunk of chunksOf(bytes, cuts)) hasher.update(chunk);
        const body = Buffer.from(bytes);
        hasher.finish(body);
        const macs = takeDigests(body, keys);
        expect(macs?.map((m) => m.toString('hex'))).toEqual(keys.map((k) => hmac(bytes, k)));
        expect(takeDigests(body, keys)).toBeUndefined(); // taken once
      }),
    );
  });

  it('seals nothing when the chunks do not add up to the body', () => {
    const hasher = createBodyHasher([SECRET]);
    hasher.update(Buffer.from('{"a":'));
    const body = Buffer.from('{"a":1}');
    hasher.finish(body);
    expect(takeDigests(body, [SECRET])).toBeUndefined();
  });

  it('is not used for other keys: matchSignature then hashes the body itself', () => {
    const body = Buffer.from(COMPLETE);
    const hasher = createBodyHasher(['whsec_wrong']);
    hasher.update(body);
    hasher.finish(body);
    // The sealed digest is for another key; the real one must decide.
    expect(matchSignature(body, hmac(body), [SECRET])).toEqual({ ok: true, secretIndex: 0 });
    const other = Buffer.from(COMPLETE);
    const h2 = createBodyHasher(['whsec_wrong']);
    h2.update(other);
    h2.finish(other);
    expect(matchSignature(other, hmac(other, 'whsec_wrong'), [SECRET]).ok).toBe(false);
  });

  it('is carried by Node receivers only', () => {
    expect(bodyHasherOf(createReceiver({ secret: SECRET, logger: silentLogger }))).toBeTypeOf('function');
    expect(bodyHasherOf(webCreateReceiver({ secret: SECRET, logger: silentLogger }))).toBeUndefined();
  });
});

describe('the Node adapter hashes while the body arrives', () => {
  type Adapter = 'node' | 'fastify' | 'koa';
  async function serveRecording(adapter: Adapter = 'node') {
    const receiver = createReceiver({ secret: SECRET, logger: silentLogger, handlers: { 'call.complete': () => {} } });
    const make = bodyHasherOf(receiver) as () => BodyHasher;
    const seen: { chunks: number; bytes: number; sealed: boolean }[] = [];
    Object.assign(receiver, {
      [BODY_HASHER]: () => {
        const real = make();
        const record = { chunks: 0, bytes: 0, sealed: false };
        seen.push(record);
        return {
          update: (chunk: Uint8Array) => {
            record.chunks++;
            record.bytes += chunk.byteLength;
            real.update(chunk);
          },
          finish: (body: Uint8Array) => {
            record.sealed = true;
            real.finish(body);
          },
        };
      },
    });
    if (adapter === 'fastify') {
      const app = Fastify();
      await app.register(thunderphonePlugin, receiver);
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      servers.push(app.server);
      return { base: `${base}/thunderphone-webhook`, seen };
    }
    const server = http.createServer(adapter === 'koa' ? new Koa().use(thunderphoneKoa(receiver)).callback() : thunderphoneMiddleware(receiver));
    servers.push(server);
    return { base: await listen(server), seen };
  }

  // Each piece is sent only once the server has hashed everything before it, so pieces cannot
  // merge in the socket however slow the machine is.
  function postInPieces(base: string, body: Buffer, signature: string, seen: { bytes: number }[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(base, { method: 'POST', headers: { 'content-length': body.byteLength, 'x-thunderphone-signature': signature } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const pieces = chunksOf(body, [100, 1000, 5000]);
      const attempt = seen.length;
      let sent = 0;
      let waitingSince = Date.now();
      const next = () => {
        const hashed = seen[attempt]?.bytes ?? 0;
        // A reader that does not hash as the body arrives would never catch up: go on after 1 s.
        if (sent > 0 && hashed < sent && Date.now() - waitingSince < 1000) return void setTimeout(next, 2);
        const piece = pieces.shift();
        if (!piece) return req.end();
        req.write(piece);
        sent += piece.byteLength;
        waitingSince = Date.now();
        setTimeout(next, 2);
      };
      next();
    });
  }

  it.each<Adapter>(['node', 'fastify', 'koa'])('%s: accepts a body sent in pieces, each piece hashed as it came, and refuses a wrong signature', async (adapter) => {
    const { base, seen } = await serveRecording(adapter);
    const body = Buffer.from(JSON.stringify({ data: { call_id: 1, transcript: 'Olá 😀 '.repeat(1500) }, type: 'call.complete' }));
    expect(await postInPieces(base, body, hmac(body), seen)).toBe(200);
    expect(seen[0]).toEqual({ chunks: expect.any(Number), bytes: body.byteLength, sealed: true });
    expect(seen[0]?.chunks).toBeGreaterThanOrEqual(4);
    expect(await postInPieces(base, body, hmac(body, 'whsec_not_it'), seen)).toBe(401);
    expect(await postInPieces(base, body, hmac(Buffer.concat([body, Buffer.from(' ')])), seen)).toBe(401);
  });
});

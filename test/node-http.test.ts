import { afterEach, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import { thunderphoneMiddleware, type MiddlewareOptions } from '../src/index.js';
import { COMPLETE, INCOMING, SECRET, close, hmac, listen, rawRequest, recordingLogger } from './support/node-requests.js';

let logger = recordingLogger();
const servers: http.Server[] = [];

afterEach(async () => {
  expect(logger.text()).not.toContain(SECRET);
  logger = recordingLogger();
  await Promise.all(servers.splice(0).map(close));
});

async function serve(options: Omit<MiddlewareOptions, 'logger' | 'secret'> = {}): Promise<{ base: string; server: http.Server }> {
  const server = http.createServer(thunderphoneMiddleware({ secret: SECRET, logger, ...options }));
  servers.push(server);
  return { base: await listen(server), server };
}

function postSigned(base: string, body: string, extra: Record<string, string> = {}, path = '/') {
  return fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-thunderphone-signature': hmac(body), ...extra },
    body,
  });
}

async function errorOf(res: Response): Promise<{ error: string; message: string }> {
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
  return JSON.parse(text) as { error: string; message: string };
}

describe('http.createServer(thunderphoneMiddleware(...))', () => {
  it('answers call.incoming with the handler reply, Content-Length in UTF-8 bytes', async () => {
    const config = { prompt: 'Sprich Deutsch, grüße freundlich 👋', voice: 'de-DE-Katja', product: 'bolt' as const };
    const handler = vi.fn((_event: unknown) => config);
    const { base } = await serve({ handlers: { 'call.incoming': handler } });
    const res = await postSigned(base, INCOMING);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toBe(JSON.stringify(config));
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text, 'utf8')));
    expect(handler.mock.calls[0]?.[0]).toEqual(JSON.parse(INCOMING));
  });

  it('needs no Content-Type header', async () => {
    const { base } = await serve();
    const res = await fetch(base, { method: 'POST', headers: { 'x-thunderphone-signature': hmac(INCOMING) }, body: new TextEncoder().encode(INCOMING) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{}');
  });

  it('answers 200 to call.complete once its handler resolves', async () => {
    const order: string[] = [];
    const { base } = await serve({
      handlers: {
        'call.complete': async (event) => {
          await new Promise((r) => setTimeout(r, 30));
          order.push(`stored ${String(event.data.call_id)}`);
        },
      },
    });
    const res = await postSigned(base, COMPLETE);
    order.push(`answered ${res.status}`);
    expect(order).toEqual(['stored 987654321', 'answered 200']);
  });

  it('answers 500 when the call.complete handler throws', async () => {
    const { base } = await serve({ handlers: { 'call.complete': () => Promise.reject(new Error('disk full')) }, onError: () => {} });
    const res = await postSigned(base, COMPLETE);
    expect(res.status).toBe(500);
    expect((await errorOf(res)).error).toBe('handler_failed');
  });

  it('answers 401 without a signature, or with a wrong one, and runs no handler', async () => {
    const handler = vi.fn();
    const { base } = await serve({ handlers: { '*': handler } });
    const missing = await fetch(base, { method: 'POST', body: INCOMING });
    expect(missing.status).toBe(401);
    expect(await errorOf(missing)).toEqual({ error: 'missing_signature', message: 'missing X-ThunderPhone-Signature header' });
    const wrong = await fetch(base, { method: 'POST', body: INCOMING, headers: { 'X-ThunderPhone-Signature': hmac(INCOMING, 'whsec_other') } });
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).error).toBe('invalid_signature');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 405 with Allow: POST to GET and HEAD', async () => {
    const { base } = await serve();
    const get = await fetch(base);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await errorOf(get)).message).toBe('GET is not allowed; ThunderPhone delivers webhooks with POST');
    const head = await fetch(base, { method: 'HEAD' });
    expect(head.status).toBe(405);
  });

  it('answers 413 to a body over the limit, declared or streamed, and runs no handler', async () => {
    const handler = vi.fn();
    const { base } = await serve({ limit: '100b', handlers: { '*': handler } });
    const declared = await postSigned(base, COMPLETE);
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).message).toBe(`Content-Length ${Buffer.byteLength(COMPLETE)} is over the 100-byte limit`);

    const streamed = await rawRequest(base, {
      headers: { 'transfer-encoding': 'chunked', 'x-thunderphone-signature': hmac(COMPLETE) },
      chunks: COMPLETE.match(/.{1,30}/g) ?? [],
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.text).message).toBe('body is over the 100-byte limit');
    expect(handler).not.toHaveBeenCalled();
  });

  it('uses a 1 MiB limit by default', async () => {
    const handler = vi.fn();
    const { base } = await serve({ handlers: { '*': handler } });
    const atLimit = `{"data":{"pad":"${'x'.repeat(1024 * 1024 - 42)}"},"type":"call.complete"}`;
    expect(Buffer.byteLength(atLimit)).toBe(1024 * 1024);
    expect((await postSigned(base, atLimit)).status).toBe(200);
    const over = `${atLimit} `;
    const res = await postSigned(base, over);
    expect(res.status).toBe(413);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('answers 415 to a compressed body and says why', async () => {
    const { base } = await serve();
    const res = await postSigned(base, INCOMING, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
    const { error, message } = await errorOf(res);
    expect(error).toBe('unsupported_encoding');
    expect(message).toMatch(/^Content-Encoding "gzip" is not supported; .*send the body uncompressed$/);
  });

  it('answers 400 to signed bytes that are not an event', async () => {
    const handler = vi.fn();
    const { base } = await serve({ handlers: { '*': handler } });
    const notJson = await postSigned(base, 'type=call.incoming');
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).error).toBe('invalid_json');
    const noType = await postSigned(base, '{"data":{"call_id":1},"type":""}');
    expect(noType.status).toBe(400);
    expect((await errorOf(noType)).error).toBe('invalid_envelope');
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x7d]);
    const badBytes = await fetch(base, { method: 'POST', headers: { 'x-thunderphone-signature': hmac(notUtf8) }, body: notUtf8 });
    expect(badBytes.status).toBe(400);
    expect((await errorOf(badBytes)).message).toBe('body is not valid UTF-8');
    expect(handler).not.toHaveBeenCalled();
  });

  it('with the path option, answers only that path (query ignored) and 404s the rest', async () => {
    const handler = vi.fn(() => ({ prompt: 'Path ok', voice: 'v' }));
    const { base } = await serve({ path: '/hook', handlers: { 'call.incoming': handler } });
    const hit = await postSigned(base, INCOMING, {}, '/hook?delivery=2');
    expect(await hit.text()).toBe('{"prompt":"Path ok","voice":"v"}');
    const miss = await postSigned(base, INCOMING, {}, '/other');
    expect(miss.status).toBe(404);
    expect(await errorOf(miss)).toEqual({ error: 'not_found', message: 'nothing is served at /other' });
    const long = await postSigned(base, INCOMING, {}, `/${'a'.repeat(5000)}`);
    expect(long.status).toBe(404);
    expect((await errorOf(long)).message).toBe(`nothing is served at /${'a'.repeat(199)}`);
    const prefix = await postSigned(base, INCOMING, {}, '/hook/extra');
    expect(prefix.status).toBe(404);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('ignores a client that aborts mid-body: no handler call, no crash, next request served', async () => {
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    try {
      const handler = vi.fn(() => ({ prompt: 'Still here', voice: 'v' }));
      const { base, server } = await serve({ handlers: { '*': handler } });
      const serverSideClosed = new Promise<void>((resolve) => {
        server.once('request', (req: http.IncomingMessage) => req.once('close', () => resolve()));
      });
      const arrived = new Promise<void>((resolve) => server.once('request', () => resolve()));

      const url = new URL(base);
      const client = http.request({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': '1000', 'x-thunderphone-signature': hmac('x'.repeat(1000)) },
      });
      client.on('error', () => {});
      client.write('{"data":{"'); // 10 of the 1000 declared bytes
      await arrived;
      await new Promise((r) => setTimeout(r, 50));
      client.destroy();
      await serverSideClosed;
      await new Promise((r) => setTimeout(r, 50));

      expect(handler).not.toHaveBeenCalled();
      expect(logger.lines.filter((l) => l.level === 'debug').map((l) => l.message)).toContain(
        'client aborted the request before the body was complete',
      );
      expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);

      const next = await postSigned(base, INCOMING);
      expect(next.status).toBe(200);
      expect(await next.text()).toBe('{"prompt":"Still here","voice":"v"}');
      expect(handler).toHaveBeenCalledTimes(1);
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
  });

  it('ignores a client that aborts a chunked body', async () => {
    const handler = vi.fn();
    const { base, server } = await serve({ handlers: { '*': handler } });
    const serverSideClosed = new Promise<void>((resolve) => {
      server.once('request', (req: http.IncomingMessage) => req.once('close', () => resolve()));
    });
    const url = new URL(base);
    const client = http.request({ host: url.hostname, port: url.port, method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked', 'x-thunderphone-signature': hmac(INCOMING) } });
    client.on('error', () => {});
    client.write(INCOMING.slice(0, 40));
    await new Promise((r) => setTimeout(r, 50));
    client.destroy();
    await serverSideClosed;
    await new Promise((r) => setTimeout(r, 20));
    expect(handler).not.toHaveBeenCalled();
    expect((await postSigned(base, INCOMING)).status).toBe(200);
  });

  it('does not run the handler while a body is shorter than its declared Content-Length', async () => {
    // A short body cannot be told apart from a slow client: the adapter keeps waiting (the
    // server's requestTimeout bounds it) and never verifies or handles the partial bytes.
    const handler = vi.fn();
    const { base } = await serve({ handlers: { '*': handler } });
    await expect(
      rawRequest(base, { headers: { 'content-length': String(INCOMING.length + 5), 'x-thunderphone-signature': hmac(INCOMING) }, chunks: [INCOMING], end: false, timeoutMs: 300 }),
    ).rejects.toThrow(/no reply within 300 ms/);
    expect(handler).not.toHaveBeenCalled();
  });
});

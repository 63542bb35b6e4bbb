// Faults in handlers and in the process around them, against serve (the built CLI in a child
// process) and the Express middleware: a throwing handler and its retry, a hanging blocking
// handler, a leaked promise rejection, and SIGTERM with 20 requests in flight.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { memoryDedupeStore, thunderphoneMiddleware } from '../src/index.js';
import { close, listen, rawRequest, recordingLogger, type RawReply } from './support/node-requests.js';
import { ROOT, startServe, waitFor, type ServeProcess } from './support/serve-process.js';

const SECRET = 'whsec_fault_tests_secret';
const PATH = '/thunderphone-webhook';

const complete = (id: string) => `{"data":{"call_id":7,"status":"completed"},"event_id":"${id}","type":"call.complete"}`;
const INCOMING = '{"data":{"call_id":8,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';

function deliver(base: string, body: string, path = PATH): Promise<RawReply> {
  const signature = createHmac('sha256', SECRET).update(body).digest('hex');
  return rawRequest(base, { path, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-thunderphone-signature': signature }, chunks: [body], timeoutMs: 10_000 });
}

const temp = mkdtempSync(join(tmpdir(), 'tp-faults-'));
function module(name: string, source: string): string {
  const file = join(temp, name);
  writeFileSync(file, source);
  return file;
}

const running = new Set<ServeProcess>();
async function serve(args: string[]): Promise<ServeProcess> {
  const s = await startServe(['--secret', SECRET, ...args]);
  running.add(s);
  return s;
}
afterEach(async () => {
  for (const s of running) await s.kill();
  running.clear();
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

// The same handlers for serve (as a module) and for the middleware (imported from that module).
const FLAKY = module(
  'flaky.mjs',
  `const attempts = new Map();
   export const handlers = {
     'call.complete': (event) => {
       const n = (attempts.get(event.event_id) ?? 0) + 1;
       attempts.set(event.event_id, n);
       if (n === 1) throw new Error('the database is down on the first attempt');
       globalThis.handledAfterRetry = (globalThis.handledAfterRetry ?? 0) + 1;
     },
   };`,
);

async function expressApp(options: Parameters<typeof thunderphoneMiddleware>[0]): Promise<{ base: string; server: http.Server }> {
  const app = express();
  app.post(PATH, thunderphoneMiddleware(options));
  const server = http.createServer(app);
  return { base: await listen(server), server };
}

describe('a non-blocking handler that throws', () => {
  it('serve answers 500, and the re-delivery succeeds and is handled (with --dedupe memory: the failed attempt released its key)', async () => {
    const s = await serve(['--handlers', FLAKY, '--dedupe', 'memory']);
    const body = complete('evt_flaky_serve');
    const first = await deliver(s.origin, body);
    expect(first.status).toBe(500);
    expect(JSON.parse(first.text).error).toBe('handler_failed');
    const retry = await deliver(s.origin, body);
    expect(retry.status).toBe(200);
    expect(JSON.parse(retry.text)).toEqual({ ok: true });
    // And a third delivery is a duplicate of a handled event: acknowledged, not run again.
    const again = await deliver(s.origin, body);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ ok: true, duplicate: true });
    expect(s.stderr()).not.toContain(SECRET);
  });

  it('the middleware answers 500, and the re-delivery succeeds', async () => {
    const { handlers } = (await import(FLAKY)) as { handlers: Record<string, () => void> };
    const logger = recordingLogger();
    const { base, server } = await expressApp({ secret: SECRET, logger, handlers, dedupe: memoryDedupeStore() });
    try {
      const body = complete('evt_flaky_express');
      expect((await deliver(base, body)).status).toBe(500);
      const before = (globalThis as { handledAfterRetry?: number }).handledAfterRetry ?? 0;
      expect((await deliver(base, body)).status).toBe(200);
      expect((globalThis as { handledAfterRetry?: number }).handledAfterRetry).toBe(before + 1);
      expect(logger.lines.some((l) => l.level === 'error' && l.message === 'handler for call.complete failed')).toBe(true);
    } finally {
      await close(server);
    }
  });
});

describe('a blocking handler that hangs', () => {
  it('serve sends {} at the deadline; the late value is dropped', async () => {
    const file = module(
      'hangs.mjs',
      `export default {
         'call.incoming': async () => { await new Promise((r) => setTimeout(r, 1500)); return { prompt: 'late', voice: 'v' }; },
       };`,
    );
    const s = await serve(['--handlers', file, '--deadline-ms', '200', '--verbose']);
    const started = Date.now();
    const r = await deliver(s.origin, INCOMING);
    const ms = Date.now() - started;
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(1400); // well before the handler's value, however loaded the machine
    await waitFor(() => s.stderr().includes('late reply to call.incoming dropped'), 'the late value to be dropped');
    // The server is still answering, and nothing else was sent for that request.
    expect((await deliver(s.origin, INCOMING)).text).toBe('{}');
  });

  it('the middleware sends {} at the deadline for a handler that never settles, and drops a late value', async () => {
    const logger = recordingLogger();
    let lateResolved = false;
    const { base, server } = await expressApp({
      secret: SECRET,
      logger,
      deadlineMs: 150,
      handlers: {
        'call.incoming': async (event) => {
          if (event.data.call_id === 8) return new Promise(() => {});
          await new Promise((r) => setTimeout(r, 400));
          lateResolved = true;
          return { prompt: 'too late', voice: 'v' };
        },
      },
    });
    try {
      const hang = await deliver(base, INCOMING);
      expect([hang.status, hang.text]).toEqual([200, '{}']);
      const late = await deliver(base, INCOMING.replace('"call_id":8', '"call_id":9'));
      expect([late.status, late.text]).toEqual([200, '{}']);
      await waitFor(() => lateResolved, 'the late handler to finish');
      await new Promise((r) => setTimeout(r, 20));
      expect(logger.lines.filter((l) => l.message === 'late reply to call.incoming dropped')).toHaveLength(1);
      expect(logger.lines.filter((l) => /missed the 150 ms deadline/.test(l.message))).toHaveLength(2);
    } finally {
      await close(server);
    }
  });
});

describe('a handler that leaks an unhandled rejection', () => {
  const LEAKY = module(
    'leaky.mjs',
    `export const handlers = { 'call.complete': () => { Promise.reject(new Error('fire-and-forget write failed')); } };`,
  );

  it('does not kill serve: it is logged as one error line and serve keeps answering', async () => {
    const s = await serve(['--handlers', LEAKY]);
    expect((await deliver(s.origin, complete('evt_leak_1'))).status).toBe(200);
    await waitFor(() => s.stderr().includes('left unhandled'), 'the rejection to be logged');
    expect((await deliver(s.origin, complete('evt_leak_2'))).status).toBe(200);
    expect((await rawRequest(s.origin, { method: 'GET', path: '/healthz' })).status).toBe(200);
    expect(s.child.exitCode).toBeNull();
    const line = s.stderr().split('\n').find((l) => l.includes('left unhandled'))!;
    expect(line).toMatch(/^\[thunderphone-webhooks\] error: .*fire-and-forget write failed/);
  });

  it('does not kill an Express app that calls containUnhandledRejections()', async () => {
    const app = module(
      'express-leaky.mjs',
      `import express from ${JSON.stringify(join(ROOT, 'node_modules/express/index.js'))};
       import { thunderphoneMiddleware, containUnhandledRejections } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
       import { handlers } from ${JSON.stringify(LEAKY)};
       containUnhandledRejections();
       const app = express();
       app.get('/healthz', (req, res) => res.json({ ok: true }));
       app.post('/thunderphone-webhook', thunderphoneMiddleware({ secret: ${JSON.stringify(SECRET)}, handlers }));
       const server = app.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));`,
    );
    const child = spawn(process.execPath, [app], { cwd: ROOT });
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (err += c));
      await waitFor(() => /port \d+/.test(out) || child.exitCode !== null, 'the app to listen');
      const base = `http://127.0.0.1:${/port (\d+)/.exec(out)![1]}`;
      expect((await deliver(base, complete('evt_leak_3'))).status).toBe(200);
      await waitFor(() => err.includes('left unhandled'), 'the rejection to be logged');
      expect((await rawRequest(base, { method: 'GET', path: '/healthz' })).status).toBe(200);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('SIGTERM to serve with 20 requests in flight', () => {
  it('completes all 20, refuses new connections, and exits 0', async () => {
    const file = module(
      'slow.mjs',
      `export default { 'call.complete': async () => { await new Promise((r) => setTimeout(r, 800)); } };`,
    );
    const s = await serve(['--handlers', file]);
    // Each on its own connection, as ThunderPhone's deliveries would be.
    const inFlight = Array.from({ length: 20 }, (_, i) => deliver(s.origin, complete(`evt_term_${i}`)).then((r) => r.status, (e: NodeJS.ErrnoException) => e.code));
    // serve prints each verified event as its handler starts: all 20 are running now.
    await waitFor(() => s.stdout().split('\n').filter((l) => l.includes('evt_term_')).length === 20, 'all 20 handlers to start');
    s.child.kill('SIGTERM');
    await waitFor(() => s.stderr().includes('received SIGTERM'), 'the shutdown to begin');
    expect(s.stderr()).toMatch(/waiting for 20 in-flight requests/);
    const refused = await rawRequest(s.origin, { method: 'GET', path: '/healthz', timeoutMs: 2000 }).then(
      (r) => `answered ${r.status}`,
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    expect(await Promise.all(inFlight)).toEqual(Array(20).fill(200));
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.stderr()).toMatch(/^stopped$/m);
  });
});

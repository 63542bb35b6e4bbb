// Fails if a webhook secret or an Authorization header value reaches any log line, at any level:
// the middleware (with a logger that records debug and info too), serve --verbose, setup and the
// API client against the fake API, and trigger. Every request here carries an Authorization
// header, and every path that logs (refusals, handler failures, late replies, retries) is taken.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { getWebhook, memoryDedupeStore, type AgentConfig, type HandlerMap, setWebhookUrl, thunderphoneMiddleware } from '../src/index.js';
import { runSetup } from '../src/cli/setup.js';
import { runTrigger } from '../src/cli/trigger.js';
import { startFakeApi } from './support/fake-api.js';
import { close, listen, rawRequest, recordingLogger } from './support/node-requests.js';
import { exchange } from './support/raw-http.js';
import { startServe } from './support/serve-process.js';

const SECRET = 'whsec_never_logged_2f9c1e';
// Secrets that each draw a start-up warning (surrounding space, API-key look, no prefix).
const ODD_SECRETS = [' whsec_padded_never_logged_77 ', 'sk_live_mistaken_for_secret_88', 'no_prefix_never_logged_99'];
const TOKEN = 'sk_live_bearer_never_logged_5d3a';
const AUTH = `Bearer ${TOKEN}`;
const FORBIDDEN = [SECRET, SECRET.slice('whsec_'.length), TOKEN, TOKEN.slice('sk_live_'.length), ...ODD_SECRETS.map((s) => s.trim())];

function expectClean(lines: string[], where: string) {
  expect(lines.length, `${where}: something was logged`).toBeGreaterThan(0);
  for (const line of lines) for (const secret of FORBIDDEN) expect(line.includes(secret), `${where} logged ${JSON.stringify(secret)}:\n${line}`).toBe(false);
}

const hmac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const COMPLETE = (id: string) => `{"data":{"call_id":3},"event_id":"${id}","type":"call.complete"}`;
const INCOMING = '{"data":{"call_id":4,"from_number":"+1","to_number":"+2"},"type":"call.incoming"}';

/** One of each kind of request that makes a receiver log something, all with an Authorization header. */
async function driveReceiver(base: string, port: number) {
  const post = (body: string, headers: Record<string, string> = {}) =>
    rawRequest(base, { path: '/thunderphone-webhook', headers: { authorization: AUTH, 'content-type': 'application/json', 'x-thunderphone-signature': hmac(body), ...headers }, chunks: [body], timeoutMs: 8000 });
  const statuses = [
    (await post(COMPLETE('evt_ok'))).status,
    (await post(COMPLETE('evt_ok'))).status, // a duplicate
    (await post(COMPLETE('evt_fail'))).status, // the handler throws
    (await post(INCOMING)).status, // the blocking handler is late
    (await post(COMPLETE('evt_forged'), { 'x-thunderphone-signature': hmac(COMPLETE('evt_forged'), 'whsec_attacker') })).status,
    (await post(COMPLETE('evt_nosig'), { 'x-thunderphone-signature': '' })).status,
    (await post('{not json')).status,
    (await post(COMPLETE('evt_gz'), { 'content-encoding': 'gzip' })).status,
    (await rawRequest(base, { method: 'GET', path: '/thunderphone-webhook', headers: { authorization: AUTH } })).status,
    (await post('x'.repeat(70_000))).status,
  ];
  // A body that stalls (408) and one cut off mid-way (debug: client aborted).
  const stalled = await exchange(port, { head: `POST /thunderphone-webhook HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Length: 50\r\nX-ThunderPhone-Signature: ${hmac('x')}`, steps: ['{"type":'], then: 'wait' });
  await exchange(port, { head: `POST /thunderphone-webhook HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Length: 50`, steps: ['{"type":', { waitMs: 30 }], then: 'destroy' });
  expect([...statuses, stalled.status]).toEqual([200, 200, 500, 200, 401, 401, 400, 415, 405, 413, 408]);
}

const handlers: HandlerMap = {
  'call.complete': (event) => {
    if (event.event_id === 'evt_fail') throw new Error('the database refused the write');
  },
  'call.incoming': () => new Promise<AgentConfig>((resolve) => setTimeout(() => resolve({ prompt: 'p', voice: 'v' }), 300)),
};

describe('no secret and no Authorization value in any log line', () => {
  it('the Express middleware, with every level recorded', async () => {
    const logger = recordingLogger();
    const app = express();
    app.all('/thunderphone-webhook', thunderphoneMiddleware({ secrets: [SECRET, ...ODD_SECRETS], logger, limit: 64 * 1024, bodyTimeoutMs: 200, deadlineMs: 100, dedupe: memoryDedupeStore(), handlers }));
    const server = http.createServer(app);
    const base = await listen(server);
    try {
      await driveReceiver(base, Number(new URL(base).port));
      await new Promise((r) => setTimeout(r, 350)); // the late reply's debug line
    } finally {
      await close(server);
    }
    const levels = new Set(logger.lines.map((l) => l.level));
    expect([...levels].sort()).toEqual(['debug', 'error', 'info', 'warn']);
    expectClean(logger.text().split('\n'), 'middleware');
  });

  it('serve --verbose (debug and info on stderr)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-logs-'));
    try {
      const file = join(dir, 'handlers.mjs');
      writeFileSync(
        file,
        `export default {
           'call.complete': (event) => { if (event.event_id === 'evt_fail') throw new Error('the database refused the write'); },
           'call.incoming': () => new Promise((r) => setTimeout(() => r({ prompt: 'p', voice: 'v' }), 300)),
         };`,
      );
      const s = await startServe(['--handlers', file, '--verbose', '--limit', '64kb', '--body-timeout-ms', '200', '--deadline-ms', '100', '--dedupe', 'memory'], {
        THUNDERPHONE_WEBHOOK_SECRET: [SECRET, ...ODD_SECRETS].join(','),
      });
      try {
        await driveReceiver(s.origin, s.port);
        await new Promise((r) => setTimeout(r, 350));
      } finally {
        await s.kill();
      }
      expect(s.stderr()).toMatch(/\] debug: /);
      expect(s.stderr()).toMatch(/\] info: /);
      expectClean(s.stderr().split('\n'), 'serve stderr');
      expectClean(s.stdout().split('\n'), 'serve stdout');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('setup and the API client: errors, retries and messages never hold the API key or the webhook secret', async () => {
    const api = await startFakeApi({ apiKey: TOKEN, webhook: { url: 'https://old.example.com/hook', secret: SECRET, created_at: 'c', updated_at: 'u' } });
    const lines: string[] = [];
    const run = async (argv: string[], env: Record<string, string>) => {
      let stdout = '';
      let stderr = '';
      const code = await runSetup(argv, { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, env: { THUNDERPHONE_API_URL: api.url, ...env }, cwd: process.cwd() });
      lines.push(...stderr.split('\n'));
      return { code, stdout };
    };
    try {
      // The secret goes to stdout alone, on purpose; the key never does.
      const shown = await run([], { THUNDERPHONE_API_KEY: TOKEN });
      expect([shown.code, shown.stdout]).toEqual([0, `${SECRET}\n`]);
      expect((await run([], { THUNDERPHONE_API_KEY: `${TOKEN}_wrong` })).code).toBe(1);
      api.failNext(1, { kind: 'status', status: 400, body: { detail: `key ${TOKEN} is not allowed to do that` } });
      expect((await run(['--url', 'https://new.example.com/hook', '--api-key', TOKEN], {})).code).toBe(1);
      api.failNext(2, { kind: 'status', status: 503 });
      const rotated = await run(['--url', 'https://new.example.com/hook'], { THUNDERPHONE_API_KEY: TOKEN });
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).not.toContain(TOKEN);

      const retries: string[] = [];
      api.failNext(1, { kind: 'destroy' });
      await getWebhook({ apiKey: TOKEN, baseUrl: api.url, onRetry: (info) => retries.push(JSON.stringify(info)) });
      const failure = await setWebhookUrl('https://x.example.com/hook', { apiKey: `${TOKEN}_bad`, baseUrl: api.url }).catch((e: Error) => e);
      expect(failure).toBeInstanceOf(Error);
      lines.push(...retries, String(failure), (failure as Error).stack ?? '', JSON.stringify(failure));
      expect(retries.length).toBe(1);
    } finally {
      await api.close();
    }
    expect(lines.some((l) => /retry/i.test(l))).toBe(true);
    expectClean(lines.filter(Boolean), 'setup and API client');
  });

  it('trigger: the secret it signs with never reaches its output', async () => {
    const logger = recordingLogger();
    const server = http.createServer(thunderphoneMiddleware({ secret: SECRET, logger, handlers: { 'call.complete': () => { throw new Error('no'); } } }));
    const base = await listen(server);
    const lines: string[] = [];
    const trigger = async (argv: string[], env: Record<string, string> = {}) => {
      let out = '';
      const code = await runTrigger(argv, { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (out += c) }, env, cwd: process.cwd() });
      lines.push(...out.split('\n'));
      return code;
    };
    try {
      expect(await trigger(['call.incoming', '--url', `${base}/hook`, '--secret', SECRET])).toBe(0);
      expect(await trigger(['call.complete', '--url', `${base}/hook`], { THUNDERPHONE_WEBHOOK_SECRET: SECRET })).toBe(1);
      expect(await trigger(['call.complete', '--url', `${base}/hook`, '--secret', 'whsec_wrong_one'])).toBe(1);
      expect(await trigger(['call.complete', '--url', 'http://127.0.0.1:1/hook', '--secret', SECRET])).toBe(1);
    } finally {
      await close(server);
    }
    expectClean(lines.filter(Boolean), 'trigger');
    expectClean(logger.text().split('\n'), 'the receiver trigger talked to');
  });
});


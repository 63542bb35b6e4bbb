// Runs examples/express-app.mjs and examples/node-server.mjs twice each: imported (factory +
// supertest) and as a real process started with `node`. Both import 'thunderphone-webhooks',
// which resolves to dist/: run `npm run build` first (`npm test` does).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Express } from 'express';
import request from 'supertest';
import { COMPLETE_BIG_ID, FRENCH_DESK, FRONT_DESK, examplePath, load, root, type FactoryOptions, type StoredCall } from './support/examples.js';
import { COMPLETE, INCOMING, SECRET, hmac, recordingLogger } from './support/node-requests.js';

interface ExpressExample {
  WEBHOOK_PATH: string;
  createApp(options?: FactoryOptions): Express;
}
interface NodeExample {
  WEBHOOK_PATH: string;
  createServer(options?: FactoryOptions): Server;
}

const AFTER_HOURS = {
  prompt: 'You are the after-hours line of Harbor Dental. Take a message: name, number, reason for calling.',
  voice: 'en-US-James1',
  product: 'spark',
};

const incomingTo = (to: string, from = '+14155550199') =>
  `{"data":{"call_id":987654321,"from_number":"${from}","to_number":"${to}"},"type":"call.incoming"}`;
const COMPLETE_WITHOUT_ID = '{"data":{"call_id":123,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.complete"}';

describe('examples/express-app.mjs, imported', () => {
  const build = async (completedCalls: StoredCall[] = []) => {
    const { createApp, WEBHOOK_PATH } = await load<ExpressExample>('express-app.mjs');
    expect(WEBHOOK_PATH).toBe('/thunderphone-webhook');
    return createApp({ secret: SECRET, completedCalls, logger: recordingLogger() });
  };
  const deliver = (app: Express, body: string) =>
    request(app).post('/thunderphone-webhook').set('content-type', 'application/json').set('x-thunderphone-signature', hmac(body)).send(body);

  it('picks the agent by the number dialled, and {} for a number it does not know', async () => {
    const app = await build();
    const front = await deliver(app, incomingTo('+15551234567'));
    expect(front.status).toBe(200);
    expect(JSON.parse(front.text)).toEqual(FRONT_DESK);
    const french = await deliver(app, incomingTo('+15557654321'));
    expect(JSON.parse(french.text)).toEqual(FRENCH_DESK);
    expect(Number(french.headers['content-length'])).toBe(Buffer.byteLength(french.text, 'utf8'));
    expect((await deliver(app, incomingTo('+15550000000'))).text).toBe('{}');
  });

  it('stores call.complete once per event_id, or per type:call_id without one', async () => {
    const calls: StoredCall[] = [];
    const app = await build(calls);
    for (const body of [COMPLETE, COMPLETE, COMPLETE_WITHOUT_ID, COMPLETE_WITHOUT_ID, COMPLETE_BIG_ID, COMPLETE_BIG_ID]) {
      expect((await deliver(app, body)).status).toBe(200);
    }
    expect(calls.map((c) => c.key)).toEqual(['evt_1', 'call.complete:123', 'call.complete:18446744073709551615']);
    expect(calls[0]).toMatchObject({ type: 'call.complete', call_id: 987654321, end_reason: 'caller_hangup' });
    const listed = await request(app).get('/calls');
    expect(listed.body).toHaveLength(3);
  });

  it('refuses unsigned deliveries and keeps express.json() working for its other routes', async () => {
    const calls: StoredCall[] = [];
    const app = await build(calls);
    const unsigned = await request(app).post('/thunderphone-webhook').set('content-type', 'application/json').send(COMPLETE);
    expect(unsigned.status).toBe(401);
    expect(calls).toEqual([]);
    const note = await request(app).post('/notes').send({ text: 'call back' });
    expect(note.status).toBe(201);
    expect(note.body).toEqual({ saved: { text: 'call back' } });
  });

  it('refuses to start without a secret', async () => {
    const { createApp } = await load<ExpressExample>('express-app.mjs');
    const saved = process.env.THUNDERPHONE_WEBHOOK_SECRET;
    delete process.env.THUNDERPHONE_WEBHOOK_SECRET;
    try {
      expect(() => createApp()).toThrow(/THUNDERPHONE_WEBHOOK_SECRET/);
    } finally {
      if (saved !== undefined) process.env.THUNDERPHONE_WEBHOOK_SECRET = saved;
    }
  });
});

describe('examples/node-server.mjs, imported', () => {
  it('answers the webhook path, 404s others, and stores call.complete once', async () => {
    const { createServer, WEBHOOK_PATH } = await load<NodeExample>('node-server.mjs');
    const calls: StoredCall[] = [];
    const server = createServer({ secret: SECRET, completedCalls: calls, logger: recordingLogger() });
    const deliver = (body: string, path = WEBHOOK_PATH) =>
      request(server).post(path).set('content-type', 'application/json').set('x-thunderphone-signature', hmac(body)).send(body);

    expect(JSON.parse((await deliver(INCOMING)).text)).toEqual(AFTER_HOURS);
    expect((await deliver(incomingTo('+15551234567', 'web'))).text).toBe('{}');
    expect((await deliver(COMPLETE)).status).toBe(200);
    expect((await deliver(COMPLETE)).status).toBe(200);
    expect(calls.map((c) => c.key)).toEqual(['evt_1']);
    expect((await deliver(INCOMING, '/elsewhere')).status).toBe(404);
    expect((await request(server).get(WEBHOOK_PATH)).status).toBe(405);
  });
});

interface Running {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function envWith(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  delete env.THUNDERPHONE_WEBHOOK_SECRET;
  delete env.HOST;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

function spawnExample(name: string, env: NodeJS.ProcessEnv): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [examplePath(name)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { child, stderr: () => stderr };
}

async function startExample(name: string): Promise<Running> {
  const { child, stderr } = spawnExample(name, envWith({ THUNDERPHONE_WEBHOOK_SECRET: SECRET }));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time: ${stderr()}`)), 15_000);
    child.stderr?.on('data', () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/thunderphone-webhook)\n/.exec(stderr());
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(code)}: ${stderr()}`));
    });
  });
  return { url, child, stderr };
}

async function stop({ child }: Running): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

const deliver = (url: string, body: string, secret = SECRET) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-thunderphone-signature': hmac(body, secret) }, body });

describe('examples run with node', () => {
  it('express-app.mjs answers signed deliveries on 127.0.0.1 and stops on SIGTERM', async () => {
    const app = await startExample('express-app.mjs');
    try {
      const incoming = await deliver(app.url, incomingTo('+15557654321'));
      const text = await incoming.text();
      expect(incoming.status).toBe(200);
      expect(JSON.parse(text)).toEqual(FRENCH_DESK);
      expect(incoming.headers.get('content-length')).toBe(String(Buffer.byteLength(text, 'utf8')));

      expect((await deliver(app.url, COMPLETE)).status).toBe(200);
      expect((await deliver(app.url, COMPLETE)).status).toBe(200);
      const calls = (await (await fetch(new URL('/calls', app.url))).json()) as StoredCall[];
      expect(calls.map((c) => c.key)).toEqual(['evt_1']);

      const forged = await deliver(app.url, COMPLETE, 'whsec_not_the_secret');
      expect(forged.status).toBe(401);
      expect(await forged.text()).not.toContain(SECRET);
    } finally {
      expect(await stop(app)).toBe(0);
    }
    expect(app.stderr()).not.toContain(SECRET);
  });

  it('node-server.mjs answers signed deliveries and 404s other paths', async () => {
    const server = await startExample('node-server.mjs');
    try {
      const incoming = await deliver(server.url, INCOMING);
      expect(incoming.status).toBe(200);
      expect(await incoming.json()).toEqual(AFTER_HOURS);
      expect((await deliver(server.url, COMPLETE)).status).toBe(200);
      expect((await deliver(new URL('/other', server.url).href, INCOMING)).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST', body: INCOMING })).status).toBe(401);
    } finally {
      expect(await stop(server)).toBe(0);
    }
  });

  it.each(['express-app.mjs', 'node-server.mjs'])('%s exits with 1 and a one-line reason when the secret is unset', async (name) => {
    const { child, stderr } = spawnExample(name, envWith({}));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr()).toMatch(/no webhook secret configured.*THUNDERPHONE_WEBHOOK_SECRET/);
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });
});

// Runs examples/fastify-app.mjs and examples/koa-app.mjs twice each: imported (fastify.inject /
// supertest) and as a real process started with `node`. They import 'thunderphone-webhooks/fastify'
// and '/koa', which resolve to dist/: run `npm run build` first (`npm test` does).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type Koa from 'koa';
import request from 'supertest';
import { COMPLETE_BIG_ID, FRENCH_DESK, FRONT_DESK, examplePath, load, root, type FactoryOptions, type StoredCall } from './support/examples.js';
import { COMPLETE, SECRET, hmac, recordingLogger } from './support/node-requests.js';

interface Example<App> {
  WEBHOOK_PATH: string;
  createApp(options?: FactoryOptions): App;
}


const incomingFrom = (from: string) =>
  `{"data":{"call_id":987654321,"from_number":"${from}","to_number":"+15551234567"},"type":"call.incoming"}`;

/** What both examples must do, through whichever client reaches the app. */
interface Client {
  deliver(body: string, secret?: string): Promise<{ status: number; text: string; contentLength: string | undefined }>;
  postNote(note: unknown): Promise<{ status: number; json: unknown }>;
  listCalls(): Promise<unknown[]>;
}

function fastifyClient(app: FastifyInstance, path: string): Client {
  return {
    deliver: async (body, secret = SECRET) => {
      const res = await app.inject({ method: 'POST', url: path, payload: body, headers: { 'content-type': 'application/json', 'x-thunderphone-signature': hmac(body, secret) } });
      return { status: res.statusCode, text: res.body, contentLength: res.headers['content-length'] as string | undefined };
    },
    postNote: async (note) => {
      const res = await app.inject({ method: 'POST', url: '/notes', payload: note as object });
      return { status: res.statusCode, json: res.json() };
    },
    listCalls: async () => (await app.inject({ method: 'GET', url: '/calls' })).json(),
  };
}

function koaClient(app: Koa, path: string): Client {
  const agent = () => request(app.callback());
  return {
    deliver: async (body, secret = SECRET) => {
      const res = await agent().post(path).set('content-type', 'application/json').set('x-thunderphone-signature', hmac(body, secret)).send(body);
      return { status: res.status, text: res.text, contentLength: res.headers['content-length'] };
    },
    postNote: async (note) => {
      const res = await agent().post('/notes').send(note as object);
      return { status: res.status, json: res.body };
    },
    listCalls: async () => (await agent().get('/calls')).body as unknown[],
  };
}

async function behavesLikeTheExample(client: Client, agent: object, calls: StoredCall[]) {
  const incoming = await client.deliver(incomingFrom('+14155550199'));
  expect(incoming.status).toBe(200);
  expect(JSON.parse(incoming.text)).toEqual(agent);
  expect(Number(incoming.contentLength)).toBe(Buffer.byteLength(incoming.text, 'utf8'));
  expect((await client.deliver(incomingFrom('web'))).text).toBe('{}');

  for (const body of [COMPLETE, COMPLETE, COMPLETE_BIG_ID, COMPLETE_BIG_ID]) expect((await client.deliver(body)).status).toBe(200);
  expect(calls.map((c) => c.key)).toEqual(['evt_1', 'call.complete:18446744073709551615']);
  expect(await client.listCalls()).toHaveLength(2);

  const forged = await client.deliver(COMPLETE, 'whsec_not_the_secret');
  expect(forged.status).toBe(401);
  expect(forged.text).not.toContain(SECRET);
  expect(calls).toHaveLength(2);

  // The app's own JSON route still gets a parsed body.
  expect(await client.postNote({ text: 'call back' })).toEqual({ status: 201, json: { saved: { text: 'call back' } } });
}

describe('examples/fastify-app.mjs, imported', () => {
  it('answers call.incoming, stores call.complete once, and keeps JSON parsing for /notes', async () => {
    const { createApp, WEBHOOK_PATH } = await load<Example<FastifyInstance>>('fastify-app.mjs');
    expect(WEBHOOK_PATH).toBe('/thunderphone-webhook');
    const calls: StoredCall[] = [];
    const logger = recordingLogger();
    const app = createApp({ secret: SECRET, completedCalls: calls, logger });
    try {
      await behavesLikeTheExample(fastifyClient(app, WEBHOOK_PATH), FRONT_DESK, calls);
    } finally {
      await app.close();
    }
    expect(logger.text()).not.toContain(SECRET);
  });
});

describe('examples/koa-app.mjs, imported', () => {
  it('answers call.incoming, stores call.complete once, and keeps koa-bodyparser for /notes', async () => {
    const { createApp, WEBHOOK_PATH } = await load<Example<Koa>>('koa-app.mjs');
    expect(WEBHOOK_PATH).toBe('/thunderphone-webhook');
    const calls: StoredCall[] = [];
    const logger = recordingLogger();
    await behavesLikeTheExample(koaClient(createApp({ secret: SECRET, completedCalls: calls, logger }), WEBHOOK_PATH), FRENCH_DESK, calls);
    expect(logger.text()).not.toContain(SECRET);
  });
});

describe.each([
  ['fastify-app.mjs', FRONT_DESK],
  ['koa-app.mjs', FRENCH_DESK],
])('examples/%s run with node', (name, agent) => {
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function spawnExample(secret: string | undefined) {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    delete env.THUNDERPHONE_WEBHOOK_SECRET;
    delete env.HOST;
    if (secret !== undefined) env.THUNDERPHONE_WEBHOOK_SECRET = secret;
    const child = spawn(process.execPath, [examplePath(name)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return { child, stderr: () => stderr };
  }

  it('answers signed deliveries on 127.0.0.1 and stops on SIGTERM', async () => {
    const { child, stderr } = spawnExample(SECRET);
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
    const deliver = (body: string, secret = SECRET) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-thunderphone-signature': hmac(body, secret) }, body });

    const incoming = await deliver(incomingFrom('+14155550199'));
    const text = await incoming.text();
    expect(incoming.status).toBe(200);
    expect(JSON.parse(text)).toEqual(agent);
    expect(incoming.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(incoming.headers.get('content-length')).toBe(String(Buffer.byteLength(text, 'utf8')));
    expect((await deliver(COMPLETE)).status).toBe(200);
    expect((await deliver(COMPLETE)).status).toBe(200);
    const calls = (await (await fetch(new URL('/calls', url))).json()) as StoredCall[];
    expect(calls.map((c) => c.key)).toEqual(['evt_1']);
    expect((await deliver(COMPLETE, 'whsec_not_the_secret')).status).toBe(401);
    const note = await fetch(new URL('/notes', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
    expect(await note.json()).toEqual({ saved: { text: 'hi' } });

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(((await exited) as [number | null])[0]).toBe(0);
    expect(stderr()).not.toContain(SECRET);
  });

  it('exits with 1 and a one-line reason when the secret is unset', async () => {
    const { child, stderr } = spawnExample(undefined);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr()).toMatch(/no webhook secret configured.*THUNDERPHONE_WEBHOOK_SECRET/);
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });
});

describe('the built adapter entries', () => {
  // fastify and koa are optional peers: the entries must not load them, only their types mention them.
  it.each([
    ['fastify', 'fastify/index.js'],
    ['fastify', 'fastify/index.cjs'],
    ['koa', 'koa/index.js'],
    ['koa', 'koa/index.cjs'],
  ])('dist/%s entry (%s) does not import the framework at run time', (framework, file) => {
    const code = readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8');
    expect(code).not.toMatch(new RegExp(`(from\\s*|require\\()["']${framework}["']`));
    expect(code.length).toBeGreaterThan(500);
  });

  it('declares fastify and koa as optional peer dependencies', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      dependencies: Record<string, string>;
    };
    for (const name of ['fastify', 'koa']) {
      expect(pkg.peerDependencies[name]).toBeDefined();
      expect(pkg.peerDependenciesMeta[name]?.optional).toBe(true);
      expect(pkg.dependencies[name]).toBeUndefined();
    }
  });
});

// `serve --dedupe memory`, in-process (injected signals and output) and as the built CLI.
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dedupeStoreFromFlag, DedupeUsageError } from '../src/cli/serve-dedupe.js';
import { serveInProcess } from './support/serve-in-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'whsec_serve_dedupe_secret';
const COMPLETE = '{"data":{"call_id":555,"from_number":"+14155550199","to_number":"+15551234567"},"event_id":"evt_dup_1","type":"call.complete"}';
const INCOMING = '{"data":{"call_id":556,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function deliver(url: string, body: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const signature = createHmac('sha256', SECRET).update(body).digest('hex');
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-thunderphone-signature': signature } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function inProcess(args: string[]) {
  return serveInProcess(args, { secret: SECRET, startTimeoutMs: 5000 });
}

describe('serve --dedupe memory', () => {
  it('prints and acknowledges each event once; a re-delivery gets 200 without a second line', async () => {
    const s = inProcess(['--dedupe', 'memory']);
    const url = await s.url();
    expect(s.io.err).toMatch(/^dedupe: memory; /m);
    expect((await deliver(url, COMPLETE)).status).toBe(200);
    const again = await deliver(url, COMPLETE);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ ok: true, duplicate: true });
    expect(await deliver(url, INCOMING)).toMatchObject({ status: 200, body: '{}' });
    expect(await deliver(url, INCOMING)).toMatchObject({ status: 200, body: '{}' });
    expect(s.io.out).toBe(`${COMPLETE}\n${INCOMING}\n`);
    s.stop();
    expect(await s.done).toBe(0);
  });

  it('runs a handlers module once for concurrent duplicates; the others get 409, and a failure lets the retry run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-dedupe-'));
    dirs.push(dir);
    const file = join(dir, 'handlers.mjs');
    // In-process, so the module and the test share globalThis.
    writeFileSync(
      file,
      `export default {
        'call.complete': async () => {
          const state = globalThis.__tpDedupe;
          state.runs++;
          await state.gate;
          if (state.runs === 1 && state.failFirst) throw new Error('first attempt fails');
        },
      };`,
    );
    let open: () => void = () => {};
    const state = { runs: 0, failFirst: true, gate: new Promise<void>((r) => (open = r)) };
    (globalThis as Record<string, unknown>).__tpDedupe = state;
    const s = inProcess(['--dedupe', 'memory', '--handlers', file]);
    const url = await s.url();

    const first = deliver(url, COMPLETE);
    await waitFor(() => state.runs === 1, 'the first run');
    const others = await Promise.all(Array.from({ length: 5 }, () => deliver(url, COMPLETE)));
    expect(others.map((r) => r.status)).toEqual([409, 409, 409, 409, 409]);
    expect(others.every((r) => Number(r.retryAfter) > 0)).toBe(true);
    open();
    expect((await first).status).toBe(500);
    expect((await deliver(url, COMPLETE)).status).toBe(200);
    expect(JSON.parse((await deliver(url, COMPLETE)).body)).toEqual({ ok: true, duplicate: true });
    expect(state.runs).toBe(2);
    s.stop();
    expect(await s.done).toBe(0);
    delete (globalThis as Record<string, unknown>).__tpDedupe;
  });

  it('gives a one-line usage error (exit 2) for a Redis URL it cannot use, hiding its password', async () => {
    const s = inProcess(['--dedupe', 'redis://user:hunter2@127.0.0.1:6379/zero']);
    expect(await s.done).toBe(2);
    expect(s.io.err).toBe(
      'thunderphone-webhooks serve: --dedupe "redis://127.0.0.1:6379/zero" has a database "zero" that is not a number; use redis://HOST:PORT/DB (see --help)\n',
    );
  });

  it('gives a one-line usage error (exit 2) for any other value', async () => {
    const s = inProcess(['--dedupe', 'sqlite://:pw@x']);
    expect(await s.done).toBe(2);
    expect(s.io.err).toMatch(/^thunderphone-webhooks serve: --dedupe must be "memory" or a redis:\/\/ URL, got "sqlite:\/\/\[redacted\]@x" \(see --help\)\n$/);
    expect(s.io.err).not.toContain(':pw');
  });

  it('keeps a bad secret (a usage error) plain text under --log json too', async () => {
    const s = inProcess(['--secret', '   ', '--log', 'json']);
    expect(await s.done).toBe(2);
    expect(s.io.err).toMatch(/^thunderphone-webhooks serve: webhook secret #\d+ is only whitespace/);
  });

  it('keeps a usage error plain text under --log json: it is for the person at the prompt', async () => {
    const s = inProcess(['--dedupe', 'sqlite://x', '--log', 'json']);
    expect(await s.done).toBe(2);
    expect(s.io.err).toMatch(/^thunderphone-webhooks serve: --dedupe must be "memory"/);
  });

  it('turns the flag value into a store', async () => {
    const store = await dedupeStoreFromFlag(' memory ');
    expect((await store.claim('k', 1000)).status).toBe('claimed');
    expect((await store.claim('k', 1000)).status).toBe('in-flight');
    await store.close?.();
    await expect(dedupeStoreFromFlag('rediss://h:6380/x')).rejects.toBeInstanceOf(DedupeUsageError);
  });

  it('is listed in the built CLI help, and a memory store never keeps a process alive', async () => {
    const cli = join(ROOT, 'dist/cli/main.js');
    const help = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, 'serve', '--help'], (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(help).toContain('--dedupe memory');
    const started = Date.now();
    const code = `import { memoryDedupeStore } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
      const s = memoryDedupeStore({ sweepIntervalMs: 60000 }); await s.claim('k', 60000); console.log('claimed');`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', code], { timeout: 15_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(out).toBe('claimed\n');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

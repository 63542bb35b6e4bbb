// The built CLI (npm run build first) as a user runs it: real signals, a real tunnel process
// (test/support/tunnel-cli.mjs, a reverse proxy on 127.0.0.1), and no @ngrok/ngrok installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeApi, type FakeApi } from './support/fake-api.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const TUNNEL = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'test/support/tunnel-cli.mjs'))} {port}`;
const INCOMING = '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"telephony.incoming"}';
const REPLY = '{"prompt":"You book tables.","voice":"en-US-Ava"}';

let api: FakeApi;
let child: ChildProcess | undefined;
beforeEach(async () => {
  api = await startFakeApi();
});
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await api.close();
});

function run(args: string[], env: Record<string, string> = {}) {
  let stderr = '';
  let stdout = '';
  child = spawn(process.execPath, [CLI, 'listen', ...args], {
    env: { PATH: process.env.PATH ?? '', THUNDERPHONE_API_URL: api.url, THUNDERPHONE_API_KEY: api.apiKey, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('thunderphone-webhooks listen (built CLI)', () => {
  it('Ctrl-C (SIGINT) deletes the endpoint, stops the tunnel process, and exits 0', async () => {
    const app = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(REPLY));
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    try {
      const l = run(['--tunnel-command', TUNNEL, '--forward-to', `http://127.0.0.1:${(app.address() as AddressInfo).port}/`]);
      await waitFor(() => /ready: waiting/.test(l.stderr()) || l.child.exitCode !== null, 'ready');
      expect(api.state.endpoints).toHaveLength(1);
      const endpoint = api.state.endpoints[0]!;
      const publicOrigin = new URL(endpoint.url).origin;

      const delivered = await api.deliver({ endpointId: endpoint.id }, INCOMING, { timeoutMs: 2000 });
      expect(delivered.body.toString()).toBe(REPLY);
      const secret = /\(THUNDERPHONE_WEBHOOK_SECRET\): (whsec_\S+)/.exec(l.stderr())?.[1];
      expect(createHmac('sha256', secret ?? '').update(INCOMING).digest('hex')).toBe(createHmac('sha256', endpoint.secret).update(INCOMING).digest('hex'));
      expect(l.stdout()).toBe(`${INCOMING}\n`);

      l.child.kill('SIGINT');
      expect(await l.exited).toBe(0);
      expect(api.state.endpoints).toHaveLength(0);
      // The tunnel process is gone with it.
      await expect(fetch(publicOrigin)).rejects.toThrow();
    } finally {
      await new Promise((r) => app.close(r));
    }
  });

  it('keeps running when its output pipes close (listen 2>&1 | head), so Ctrl-C still deletes the endpoint', async () => {
    const l = run(['--tunnel-command', TUNNEL, '--skip-self-test']);
    await waitFor(() => /ready: waiting/.test(l.stderr()) || l.child.exitCode !== null, 'ready');
    expect(api.state.endpoints).toHaveLength(1);
    // The reader goes away, as `head` does: every later write to stdout or stderr gets EPIPE.
    l.child.stdout?.destroy();
    l.child.stderr?.destroy();
    const endpoint = api.state.endpoints[0]!;
    const delivered = await api.deliver({ endpointId: endpoint.id }, INCOMING.replace('telephony.incoming', 'telephony.complete'), { timeoutMs: 2000 });
    expect(delivered.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(l.child.exitCode).toBeNull();

    l.child.kill('SIGINT');
    expect(await l.exited).toBe(0);
    expect(api.state.endpoints).toHaveLength(0);
  });

  it('works without @ngrok/ngrok installed, and says how to get it when --tunnel ngrok is used', async () => {
    const l = run([], { NGROK_AUTHTOKEN: 'tok_test' });
    expect(await l.exited).toBe(1);
    expect(l.stderr()).toContain('needs the optional package @ngrok/ngrok, which is not installed');
    expect(l.stderr()).toContain('npm install --save-dev @ngrok/ngrok');
    expect(l.stderr()).not.toContain('tok_test');
    expect(l.stderr()).not.toMatch(/^\s+at /m);
    expect(api.requests).toHaveLength(0);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSetup } from '../src/cli/setup.js';
import type { CliIO } from '../src/cli/io.js';
import { FAKE_MEMBER_API_KEY, startFakeApi, type FakeApi } from './support/fake-api.js';

let api: FakeApi;
beforeEach(async () => {
  api = await startFakeApi();
});
afterEach(async () => {
  await api.close();
});

async function setup(argv: string[], key = api.apiKey): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: { THUNDERPHONE_API_URL: api.url, THUNDERPHONE_API_KEY: key },
    cwd: process.cwd(),
  };
  return { code: await runSetup(argv, io), stdout, stderr };
}

const URL_ = 'https://example.com/thunderphone-webhook';

describe('setup --endpoint (idempotent)', () => {
  it('creates the endpoint once and prints its one-time secret alone on stdout', async () => {
    const run = await setup(['--endpoint', '--url', URL_, '--events', 'telephony.incoming, telephony.complete']);
    expect(run.code).toBe(0);
    const [row] = api.state.endpoints;
    expect(row).toMatchObject({ url: URL_, label: 'example.com', events: ['telephony.incoming', 'telephony.complete'] });
    expect(run.stdout).toBe(`${row?.secret}\n`);
    expect(run.stderr).toContain('will NOT be shown again');
    expect(run.stderr).not.toContain(row?.secret);
  });

  it('a second run with the same flags sends no write and prints no secret', async () => {
    await setup(['--endpoint', '--url', URL_, '--events', 'telephony.incoming']);
    const again = await setup(['--endpoint', '--url', URL_, '--events', 'telephony.incoming']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('Webhook endpoint unchanged');
    expect(api.state.endpoints).toHaveLength(1);
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('updates label and events of the matching endpoint, creating nothing, keeping the secret', async () => {
    await setup(['--endpoint', '--url', URL_]);
    const secret = api.state.endpoints[0]?.secret;
    const run = await setup(['--endpoint', '--url', URL_, '--events', 'call.graded', '--label', 'Grades']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Webhook endpoint updated');
    expect(run.stderr).toContain(api.state.endpoints[0]?.secret_hint);
    expect(api.state.endpoints).toHaveLength(1);
    expect(api.state.endpoints[0]).toMatchObject({ label: 'Grades', events: ['call.graded'], secret });
  });

  it('refuses unknown events (exit 2) before any request', async () => {
    const run = await setup(['--endpoint', '--url', URL_, '--events', 'call.complete']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('telephony.complete');
    expect(api.requests).toHaveLength(0);
  });

  it('usage: --endpoint needs --url; --events needs --endpoint', async () => {
    expect((await setup(['--endpoint'])).code).toBe(2);
    expect((await setup(['--url', URL_, '--events', 'call.graded'])).code).toBe(2);
    expect(api.requests).toHaveLength(0);
  });

  it('a non-admin key gets one line naming the admin requirement (exit 1)', async () => {
    const run = await setup(['--endpoint', '--url', URL_], FAKE_MEMBER_API_KEY);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('403');
    expect(run.stderr).toContain('admin or owner');
  });
});

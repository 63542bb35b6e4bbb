import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSetup } from '../src/cli/setup.js';
import type { CliIO } from '../src/cli/io.js';
import { startFakeApi, type FakeApi } from './support/fake-api.js';

let api: FakeApi;
beforeEach(async () => {
  api = await startFakeApi();
});
afterEach(async () => {
  await api.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function setup(argv: string[], env?: Record<string, string | undefined>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: env ?? { THUNDERPHONE_API_URL: api.url, THUNDERPHONE_API_KEY: api.apiKey },
    cwd: process.cwd(),
  };
  const code = await runSetup(argv, io);
  return { code, stdout, stderr };
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const puts = () => api.requests.filter((r) => r.method === 'PUT').length;

describe('setup --url', () => {
  it('creates the webhook and prints only the secret on stdout', async () => {
    const run = await setup(['--url', 'https://example.com/hook']);
    expect(run.code).toBe(0);
    expect(api.state.webhook?.url).toBe('https://example.com/hook');
    expect(run.stdout).toBe(`${api.state.webhook?.secret}\n`);
    expect(run.stderr).toContain('Webhook created: https://example.com/hook');
    expect(run.stderr).toContain('THUNDERPHONE_WEBHOOK_SECRET');
    expect(run.stderr).not.toContain(api.state.webhook?.secret);
    expect(run.stderr).not.toContain(api.apiKey);
  });

  it('same URL again: unchanged, same secret, no PUT', async () => {
    const first = await setup(['--url', 'https://example.com/hook']);
    const second = await setup(['--url', 'https://example.com/hook']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('unchanged');
    expect(second.stderr).toContain('NOT rotated');
    expect(puts()).toBe(1);
  });

  it('different URL: says the secret changed and the receiver must restart', async () => {
    const first = await setup(['--url', 'https://old.example.com/hook']);
    const second = await setup(['--url', 'https://new.example.com/hook']);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toBe(first.stdout);
    expect(second.stdout).toBe(`${api.state.webhook?.secret}\n`);
    expect(second.stderr).toContain('https://old.example.com/hook -> https://new.example.com/hook');
    expect(second.stderr).toContain('secret CHANGED');
    expect(second.stderr).toContain('restart your receiver');
  });

  it('--force re-sends the same URL, rotating the secret, and says so', async () => {
    const first = await setup(['--url', 'https://example.com/hook']);
    const forced = await setup(['--url', 'https://example.com/hook', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).not.toBe(first.stdout);
    expect(forced.stdout).toBe(`${api.state.webhook?.secret}\n`);
    expect(forced.stderr).toContain('--force');
    expect(forced.stderr).toContain('secret CHANGED');
    expect(puts()).toBe(2);
  });

  it('--api-key wins over THUNDERPHONE_API_KEY', async () => {
    const env = { THUNDERPHONE_API_URL: api.url, THUNDERPHONE_API_KEY: 'sk_live_wrong0000000000' };
    const run = await setup(['--url', 'https://example.com/hook', `--api-key=${api.apiKey}`], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${api.state.webhook?.secret}\n`);
  });
});

describe('setup without --url', () => {
  it('says none is set', async () => {
    const run = await setup([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('No webhook is set');
    expect(api.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('shows the current webhook and prints its secret, without a PUT', async () => {
    await setup(['--url', 'https://example.com/hook']);
    const run = await setup([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${api.state.webhook?.secret}\n`);
    expect(run.stderr).toContain('Current webhook: https://example.com/hook');
    expect(puts()).toBe(1);
  });
});

describe('usage', () => {
  it('--help prints usage on stdout and exits 0 without a request', async () => {
    const run = await setup(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('usage: thunderphone-webhooks setup');
    expect(api.requests).toHaveLength(0);
  });

  it.each([
    [['--nope']],
    [['--url']],
    [['--force']],
    [['--url', 'https://example.com/hook', 'extra']],
  ])('bad usage %j exits 2 with one line', async (argv) => {
    const run = await setup(argv);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stdout).toBe('');
    expect(api.requests).toHaveLength(0);
  });

  it('a stray positional (say, a pasted key) is not echoed', async () => {
    const run = await setup(['sk_live_pasted0000000']);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('sk_live_pasted0000000');
  });

  it('an http URL off localhost exits 2 before any request', async () => {
    const run = await setup(['--url', 'http://example.com/hook']);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('must use https');
    expect(api.requests).toHaveLength(0);
  });
});

describe('failures: one line on stderr, exit 1, nothing on stdout', () => {
  it('missing API key names THUNDERPHONE_API_KEY and --api-key', async () => {
    const run = await setup(['--url', 'https://example.com/hook'], { THUNDERPHONE_API_URL: api.url });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('THUNDERPHONE_API_KEY');
    expect(run.stderr).toContain('--api-key');
    expect(run.stdout).toBe('');
    expect(api.requests).toHaveLength(0);
  });

  it('401 for a wrong key, without printing the key', async () => {
    const key = 'sk_live_wrong0000000000';
    const run = await setup(['--url', 'https://example.com/hook'], { THUNDERPHONE_API_URL: api.url, THUNDERPHONE_API_KEY: key });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('API key rejected');
    expect(run.stderr).not.toContain(key);
    expect(run.stdout).toBe('');
  });

  it('401 for a wrong --api-key points at the flag', async () => {
    const run = await setup(['--url', 'https://example.com/hook', '--api-key', 'sk_live_wrong0000000000']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('API key rejected (check --api-key)');
    expect(run.stderr).not.toContain('sk_live_wrong0000000000');
  });

  it('400 on the PUT shows the detail', async () => {
    api.failNext(1, { kind: 'status', status: 400, body: { detail: 'URL not allowed.' } }, { method: 'PUT' });
    const run = await setup(['--url', 'https://example.com/hook']);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual(['thunderphone-webhooks setup: ThunderPhone rejected PUT /v1/webhook (400): URL not allowed.']);
    expect(run.stdout).toBe('');
    expect(api.state.webhook).toBeNull();
  });

  it('5xx on the PUT after retries warns that the secret may have rotated', async () => {
    api.failNext(4, { kind: 'status', status: 503 }, { method: 'PUT' });
    const run = await setup(['--url', 'https://example.com/hook']);
    expect(run.code).toBe(1);
    const [last, ...retries] = lines(run.stderr).reverse();
    expect(retries).toHaveLength(3);
    expect(last).toContain('server error 503');
    expect(last).toContain('may have rotated');
    expect(puts()).toBe(4);
    expect(run.stdout).toBe('');
  });

  it('5xx on the GET fails without a PUT', async () => {
    api.failNext(4, { kind: 'status', status: 500 }, { method: 'GET' });
    const run = await setup(['--url', 'https://example.com/hook']);
    expect(run.code).toBe(1);
    expect(lines(run.stderr).filter((line) => !line.includes('; retrying (attempt'))).toHaveLength(1);
    expect(run.stderr).not.toContain('may have rotated');
    expect(puts()).toBe(0);
  });
});

describe('retries are announced', () => {
  it('prints one stderr line per retry, then the outcome', async () => {
    api.failNext(2, { kind: 'status', status: 503 }, { method: 'GET' });
    const run = await setup(['--url', 'https://example.com/hook']);
    expect(run.code).toBe(0);
    expect(lines(run.stderr)).toEqual([
      'thunderphone-webhooks setup: ThunderPhone server error 503 on GET /v1/webhook: Service unavailable.; retrying (attempt 2 of 4)',
      'thunderphone-webhooks setup: ThunderPhone server error 503 on GET /v1/webhook: Service unavailable.; retrying (attempt 3 of 4)',
      expect.stringMatching(/^Webhook created: https:\/\/example\.com\/hook\./),
    ]);
    expect(run.stdout).toBe(`${api.state.webhook?.secret}\n`);
  });

  it('a dropped connection is announced the same way', async () => {
    api.failNext(1, { kind: 'destroy' });
    const run = await setup([]);
    expect(run.code).toBe(0);
    const [first] = lines(run.stderr);
    expect(first).toMatch(/^thunderphone-webhooks setup: could not reach ThunderPhone at http:\/\/127\.0\.0\.1:\d+ for GET \/v1\/webhook( \([A-Z_]+\))?; retrying \(attempt 2 of 4\)$/);
  });
});

describe('webhook URLs with credentials or a fragment', () => {
  it.each([
    ['https://alice:s3cr3tpw@example.com/x', /must not hold a user name or password/],
    ['https://alice@example.com/x', /must not hold a user name or password/],
    ['https://:s3cr3tpw@example.com/x', /must not hold a user name or password/],
    ['https://example.com/x#s3cr3tpw', /must not have a #fragment/],
    ['https://example.com/x#', /must not have a #fragment/],
  ])('%s exits 2 with one line, echoing neither, before any request', async (url, message) => {
    const run = await setup(['--url', url]);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('alice');
    expect(run.stderr).not.toContain('s3cr3tpw');
    expect(api.requests).toHaveLength(0);
  });

  it('a webhook already stored with credentials is shown without them', async () => {
    const stored = 'https://alice:s3cr3tpw@old.example.com/hook';
    api.state.webhook = { url: stored, secret: 'whsec_stored_secret_1', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' };
    const shown = await setup([]);
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain('Current webhook: https://[redacted]@old.example.com/hook');
    const updated = await setup(['--url', 'https://new.example.com/hook']);
    expect(updated.code).toBe(0);
    expect(updated.stderr).toContain('https://[redacted]@old.example.com/hook -> https://new.example.com/hook');
    for (const run of [shown, updated]) {
      expect(run.stderr).not.toContain('alice');
      expect(run.stderr).not.toContain('s3cr3tpw');
    }
  });
});

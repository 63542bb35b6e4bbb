/**
 * A local stand-in for the ThunderPhone management API's legacy webhook routes, following
 * the documented contract: Bearer auth, GET/PUT/PATCH /v1/webhook, `{"detail": ...}` errors,
 * a new `whsec_` secret on every PUT. Test hooks record requests and inject failures.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export const FAKE_API_KEY = 'sk_live_fake0123456789abcdef';

export interface FakeWebhookRow {
  url: string;
  secret: string;
  created_at: string;
  updated_at: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set when the answer came from `failNext` instead of the contract. */
  injected?: FakeFailure['kind'];
}

export type FakeFailure =
  /** Answer with this status and JSON body (default `{"detail": "Service unavailable."}`). */
  | { kind: 'status'; status: number; body?: unknown }
  /** Destroy the socket without answering: a network error for the client. */
  | { kind: 'destroy' }
  /** Answer nothing for `ms`, then destroy the socket; state is not touched. */
  | { kind: 'hang'; ms: number };

export interface FakeApi {
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  state: { webhook: FakeWebhookRow | null };
  /** The next `count` requests (only those with `only.method`, if given) get `failure` instead of the normal answer. */
  failNext(count: number, failure: FakeFailure, only?: { method?: string }): void;
  close(): Promise<void>;
}

export async function startFakeApi(options: { apiKey?: string; webhook?: FakeWebhookRow | null } = {}): Promise<FakeApi> {
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  const state = { webhook: options.webhook ?? null };
  const requests: RecordedRequest[] = [];
  const failures: { failure: FakeFailure; method?: string }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(record);
      const index = failures.findIndex((f) => f.method === undefined || f.method === record.method);
      const failure = index === -1 ? undefined : failures.splice(index, 1)[0]?.failure;
      if (failure) {
        record.injected = failure.kind;
        inject(failure, res, timers);
        return;
      }
      const [status, payload] = answer(record, apiKey, state);
      send(res, status, payload);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    state,
    failNext(count, failure, only = {}) {
      for (let i = 0; i < count; i += 1) failures.push(only.method ? { failure, method: only.method } : { failure });
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

type Answer = [status: number, body: unknown];

function answer(req: RecordedRequest, apiKey: string, state: FakeApi['state']): Answer {
  const path = req.path.split('?')[0];
  if (path !== '/v1/webhook') return [404, { detail: 'Not found.' }];

  const auth = req.headers.authorization;
  if (auth === undefined || auth === '') return [401, { detail: 'Authentication credentials were not provided.' }];
  if (auth !== `Bearer ${apiKey}`) return [401, { detail: 'Invalid API key.' }];

  if (req.method === 'GET') {
    return state.webhook ? [200, state.webhook] : [404, { detail: 'Not found.' }];
  }
  if (req.method !== 'PUT' && req.method !== 'PATCH') {
    return [405, { detail: `Method "${req.method}" not allowed.` }];
  }
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return [415, { detail: `Unsupported media type "${req.headers['content-type'] ?? ''}" in request.` }];
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    return [400, { detail: 'JSON parse error.' }];
  }
  const url = body !== null && typeof body === 'object' ? (body as { url?: unknown }).url : undefined;
  const problem = urlProblem(url);
  if (problem) return [400, { detail: problem }];

  const now = new Date().toISOString();
  state.webhook = {
    url: url as string,
    secret: `whsec_${randomBytes(24).toString('base64url')}`,
    created_at: state.webhook?.created_at ?? now,
    updated_at: now,
  };
  return [200, state.webhook];
}

function urlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return 'url: This field is required.';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url: Enter a valid URL.';
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)) return undefined;
  return 'url: Must be an HTTPS URL (http is allowed only for localhost).';
}

function inject(failure: FakeFailure, res: ServerResponse, timers: Set<NodeJS.Timeout>): void {
  if (failure.kind === 'status') {
    send(res, failure.status, failure.body ?? { detail: 'Service unavailable.' });
  } else if (failure.kind === 'destroy') {
    res.socket?.destroy();
  } else {
    const timer = setTimeout(() => {
      timers.delete(timer);
      res.socket?.destroy();
    }, failure.ms);
    timers.add(timer);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * A local stand-in for the ThunderPhone management API, following the documented contract:
 * Bearer auth, GET/PUT/PATCH /v1/webhook (a new `whsec_` secret on every PUT), and the webhook
 * endpoints of spec §6.2 under /v1/developer/webhook-endpoints (admin only, the secret shown once
 * at creation, `secret_hint`, events validated with a 400), with `{"detail": ...}` errors.
 * Test hooks record requests, inject failures, and deliver signed events as ThunderPhone does.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export const FAKE_API_KEY = 'sk_live_fake0123456789abcdef';
/** A valid key of a plain member: endpoint management answers it 403. */
export const FAKE_MEMBER_API_KEY = 'sk_live_member0123456789abcd';

/** The documented values of an endpoint's `events` (spec §3.1). */
export const FAKE_ENDPOINT_EVENTS = [
  'telephony.incoming',
  'telephony.complete',
  'telephony.tool',
  'web.incoming',
  'web.complete',
  'web.tool',
  'call.graded',
  'issue.reported',
  'test-call.completed',
];

/** The fake's own record of an endpoint, secret included (the API never shows it again). */
export interface FakeEndpointRow {
  id: string;
  label: string;
  url: string;
  events: string[];
  status: string;
  secret_hint: string;
  created_at: string;
  updated_at: string;
  secret: string;
}

export interface Delivery {
  status: number;
  headers: Headers;
  body: Buffer;
  latencyMs: number;
}

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
  state: FakeState;
  /**
   * Sends `body` (bytes as given) to an endpoint's URL or the legacy URL, signed with its secret,
   * as ThunderPhone delivers: POST, JSON content type, X-ThunderPhone-Signature.
   */
  deliver(to: { endpointId: string } | 'legacy', body: string | Uint8Array, options?: { timeoutMs?: number }): Promise<Delivery>;
  /** The next `count` requests (only those with `only.method`, if given) get `failure` instead of the normal answer. */
  failNext(count: number, failure: FakeFailure, only?: { method?: string }): void;
  close(): Promise<void>;
}

export interface FakeState {
  webhook: FakeWebhookRow | null;
  endpoints: FakeEndpointRow[];
}

export async function startFakeApi(
  options: { apiKey?: string; webhook?: FakeWebhookRow | null; endpoints?: FakeEndpointRow[] } = {},
): Promise<FakeApi> {
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  const state: FakeState = { webhook: options.webhook ?? null, endpoints: options.endpoints ?? [] };
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
    deliver: (to, body, deliverOptions) => deliver(state, to, body, deliverOptions?.timeoutMs ?? 30_000),
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

const ENDPOINTS = '/v1/developer/webhook-endpoints';

function answer(req: RecordedRequest, apiKey: string, state: FakeState): Answer {
  const path = req.path.split('?')[0] ?? '';
  const isEndpoints = path === ENDPOINTS || path.startsWith(`${ENDPOINTS}/`);
  if (path !== '/v1/webhook' && !isEndpoints) return [404, { detail: 'Not found.' }];

  const auth = req.headers.authorization;
  if (auth === undefined || auth === '') return [401, { detail: 'Authentication credentials were not provided.' }];
  const member = auth === `Bearer ${FAKE_MEMBER_API_KEY}`;
  if (auth !== `Bearer ${apiKey}` && !member) return [401, { detail: 'Invalid API key.' }];
  if (isEndpoints) {
    if (member) return [403, { detail: 'You do not have permission to perform this action.' }];
    return answerEndpoints(req, path, state);
  }

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

function answerEndpoints(req: RecordedRequest, path: string, state: FakeState): Answer {
  const id = path === ENDPOINTS ? undefined : path.slice(ENDPOINTS.length + 1);
  if (id === undefined) {
    if (req.method === 'GET') return [200, state.endpoints.map(publicView)];
    if (req.method !== 'POST') return [405, { detail: `Method "${req.method}" not allowed.` }];
  } else {
    if (id.includes('/')) return [404, { detail: 'Not found.' }];
    if (req.method !== 'PATCH' && req.method !== 'DELETE') return [405, { detail: `Method "${req.method}" not allowed.` }];
  }
  const index = id === undefined ? -1 : state.endpoints.findIndex((row) => row.id === id);
  if (id !== undefined && index === -1) return [404, { detail: 'Not found.' }];
  if (req.method === 'DELETE') {
    state.endpoints.splice(index, 1);
    return [204, undefined];
  }

  const parsed = jsonBody(req);
  if (!('body' in parsed)) return parsed.answer;
  const body = parsed.body;
  const creating = id === undefined;
  const problems: Record<string, string[]> = {};
  if (creating || 'url' in body) {
    const problem = urlProblem(body.url);
    if (problem) problems.url = [problem.replace(/^url: /, '')];
  }
  if (creating || 'label' in body) {
    const label = body.label;
    if (typeof label !== 'string' || label.trim() === '') problems.label = ['This field is required.'];
    else if (label.length > 120) problems.label = ['Ensure this field has no more than 120 characters.'];
  }
  if ('events' in body) {
    const events = body.events;
    if (!Array.isArray(events)) problems.events = ['Expected a list of items.'];
    else {
      const bad = events.filter((e) => typeof e !== 'string' || !FAKE_ENDPOINT_EVENTS.includes(e));
      if (bad.length > 0) problems.events = bad.map((e) => `"${String(e)}" is not a valid choice.`);
    }
  }
  if ('status' in body && body.status !== 'active' && body.status !== 'disabled') {
    problems.status = [`"${String(body.status)}" is not a valid choice.`];
  }
  if (Object.keys(problems).length > 0) return [400, problems];

  const now = new Date().toISOString();
  if (creating) {
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const row: FakeEndpointRow = {
      id: randomUUID(),
      label: body.label as string,
      url: body.url as string,
      events: (body.events as string[] | undefined) ?? [],
      status: 'active',
      secret_hint: `${secret.slice(0, 9)}…${secret.slice(-5)}`,
      created_at: now,
      updated_at: now,
      secret,
    };
    state.endpoints.push(row);
    return [201, { ...publicView(row), secret }];
  }
  const row = state.endpoints[index] as FakeEndpointRow;
  for (const key of ['url', 'label', 'events', 'status'] as const) {
    if (key in body) (row as unknown as Record<string, unknown>)[key] = body[key];
  }
  row.updated_at = now;
  return [200, publicView(row)];
}

/** What the API shows of an endpoint: everything but the secret. */
function publicView(row: FakeEndpointRow): Omit<FakeEndpointRow, 'secret'> {
  const { secret: _secret, ...rest } = row;
  return rest;
}

function jsonBody(req: RecordedRequest): { body: Record<string, unknown> } | { answer: Answer } {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return { answer: [415, { detail: `Unsupported media type "${req.headers['content-type'] ?? ''}" in request.` }] };
  }
  try {
    const body = JSON.parse(req.body) as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return { answer: [400, { non_field_errors: ['Invalid data. Expected a dictionary.'] }] };
    }
    return { body: body as Record<string, unknown> };
  } catch {
    return { answer: [400, { detail: 'JSON parse error.' }] };
  }
}

async function deliver(
  state: FakeState,
  to: { endpointId: string } | 'legacy',
  body: string | Uint8Array,
  timeoutMs: number,
): Promise<Delivery> {
  const target =
    to === 'legacy'
      ? state.webhook
      : state.endpoints.find((row) => row.id === to.endpointId);
  if (!target) throw new Error(`fake API: nothing to deliver to (${to === 'legacy' ? 'no legacy webhook' : `no endpoint ${to.endpointId}`})`);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const started = performance.now();
  const response = await fetch(target.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-thunderphone-signature': createHmac('sha256', target.secret).update(bytes).digest('hex'),
    },
    body: bytes,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  });
  const answer = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body: answer, latencyMs: performance.now() - started };
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
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
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

import { toBytes } from '../core/bytes.js';
import { isRequestHandlerCore, type RequestHandlerCore } from '../core/receiver.js';
import { buildResult, type DeliveryResult, type RawReply } from './result.js';
import { defaultTimeoutMs } from './timeouts.js';
import { deliveryHeaders, typeOfBody } from './wire.js';

/** A Fetch-API handler, as Hono, Next.js route handlers, Workers and the web adapter provide. */
export type WebHandler = (request: Request) => Response | Promise<Response>;

/**
 * Something that can take a delivery without a server: a receiver (or any RequestHandlerCore),
 * a Node middleware carrying its `.receiver`, a Web handler, or an object with `fetch`.
 */
export type LocalTarget = RequestHandlerCore | { receiver: RequestHandlerCore } | WebHandler | { fetch: WebHandler };

export interface LocalDeliveryOptions {
  body: string | Uint8Array;
  secret: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
  type?: string;
  /** The URL the Web handler sees. Default http://localhost/thunderphone-webhook. */
  url?: string;
}

/** Delivers in-process, signed exactly as over HTTP, and reports the reply the same way. */
export async function deliverLocal(target: LocalTarget, options: LocalDeliveryOptions): Promise<DeliveryResult> {
  const call = resolveTarget(target);
  const bytes = toBytes(options.body);
  const type = options.type ?? typeOfBody(bytes);
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs(type);
  const headers = lowerCase({ ...deliveryHeaders(bytes, options.secret, options.headers), 'content-length': String(bytes.byteLength) });
  const started = performance.now();
  const raw = await withTimeout(call(bytes, headers, options.url ?? 'http://localhost/thunderphone-webhook'), timeoutMs);
  return buildResult(type, raw, performance.now() - started, timeoutMs);
}

type Caller = (body: Uint8Array, headers: Record<string, string>, url: string) => Promise<RawReply>;

// A Web handler takes one argument (even when it carries a `.receiver`, as createWebHandler's
// does) and gets a real Request; a Node (req, res, next) middleware gets its receiver.
function resolveTarget(target: LocalTarget): Caller {
  if (isRequestHandlerCore(target)) return viaCore(target);
  if (typeof target === 'function') {
    if (target.length <= 1) return viaFetch(target as WebHandler);
    const receiver = (target as { receiver?: unknown }).receiver;
    if (isRequestHandlerCore(receiver)) return viaCore(receiver);
    throw new TypeError(
      'thunderphone-webhooks: this looks like a Node (req, res) handler without a receiver; start it on a server and deliver to its URL',
    );
  }
  const fetchMethod = (target as { fetch?: unknown } | undefined)?.fetch;
  if (typeof fetchMethod === 'function') return viaFetch((request) => fetchMethod.call(target, request) as Promise<Response>);
  throw new TypeError(
    'thunderphone-webhooks: cannot deliver to this target; pass a URL, a receiver, a thunderphoneMiddleware(...) or a (Request) => Response handler',
  );
}

function viaCore(core: RequestHandlerCore): Caller {
  return async (body, headers) => {
    const request = { method: 'POST', headers };
    const refused = core.precheck(request);
    if (refused) return refused;
    return core.handle({ ...request, body, receivedAt: Date.now() });
  };
}

function viaFetch(handler: WebHandler): Caller {
  return async (body, headers, url) => {
    const response = await handler(new Request(url, { method: 'POST', headers, body: new Uint8Array(body) }));
    if (typeof response?.status !== 'number' || typeof response.text !== 'function') {
      throw new TypeError('thunderphone-webhooks: the Web handler did not return a Response');
    }
    return {
      status: response.status,
      ...(response.statusText ? { statusText: response.statusText } : {}),
      headers: headersOf(response.headers),
      body: await response.text(),
    };
  };
}

async function withTimeout(work: Promise<RawReply>, ms: number): Promise<RawReply | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function headersOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

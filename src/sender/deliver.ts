import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { toBytes } from '../core/bytes.js';
import { DeliveryError, networkError } from './errors.js';
import { buildResult, type DeliveryResult, type RawReply } from './result.js';
import { defaultTimeoutMs } from './timeouts.js';
import { hideUrlCredentials } from './url-credentials.js';
import { deliveryHeaders, typeOfBody } from './wire.js';

export interface SendOptions {
  url: string;
  /** The exact body to send; it is signed as-is. */
  body: string | Uint8Array;
  secret: string;
  /** Default: 2000 ms for blocking events, 30000 ms otherwise, as ThunderPhone waits. */
  timeoutMs?: number;
  /** Added to (or replacing) Content-Type and X-ThunderPhone-Signature. */
  headers?: Record<string, string>;
  /** The event type, when the body is not an envelope the type can be read from. */
  type?: string;
}

/**
 * POSTs a signed delivery the way ThunderPhone does and reports what came back. No reply in
 * time is a result with `timedOut: true`, not an error; only a delivery that never reached a
 * server (refused, unknown host, TLS failure) throws a `DeliveryError`.
 */
export async function sendDelivery(options: SendOptions): Promise<DeliveryResult> {
  const url = parseUrl(options.url);
  const bytes = toBytes(options.body);
  const type = options.type ?? typeOfBody(bytes);
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs(type);
  const headers = { ...deliveryHeaders(bytes, options.secret, options.headers), 'Content-Length': String(bytes.byteLength) };
  const started = performance.now();
  const raw = await post(url, bytes, headers, timeoutMs);
  return buildResult(type, raw, performance.now() - started, timeoutMs);
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DeliveryError('ERR_INVALID_URL', `${JSON.stringify(hideUrlCredentials(text))} is not a valid URL (expected e.g. http://127.0.0.1:3000/thunderphone-webhook)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeliveryError('ERR_INVALID_URL', `${hideUrlCredentials(url.href)} is not an http(s) URL`);
  }
  return url;
}

// A fresh connection per delivery (agent: false), so no pooled socket keeps a CLI alive.
function post(url: URL, body: Uint8Array, headers: Record<string, string>, timeoutMs: number): Promise<RawReply | 'timeout'> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const shown = hideUrlCredentials(url.href);
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    let req: ReturnType<typeof send>;
    try {
      req = send(url, { method: 'POST', headers, agent: false }, (res) => {
        readReply(res).then(
          (reply) => finish(() => resolve(reply)),
          (error: unknown) => finish(() => reject(networkError(shown, error))),
        );
      });
    } catch (error) {
      // Node refuses some requests before sending, e.g. a header value with a newline in it.
      reject(new DeliveryError('ERR_INVALID_REQUEST', `could not send to ${shown}: ${(error as Error).message}`, { cause: error }));
      return;
    }
    timer = setTimeout(() => {
      finish(() => resolve('timeout'));
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => finish(() => reject(networkError(shown, error))));
    req.end(body);
  });
}

function readReply(res: IncomingMessage): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(Object.assign(new Error('the reply was cut off'), { code: 'ECONNRESET' }));
    });
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        ...(res.statusMessage ? { statusText: res.statusMessage } : {}),
        headers: flattenHeaders(res.headers),
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    );
  });
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

import { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS } from '../core/limits.js';
import type { Logger } from '../core/logger.js';
import { CORE_MARK, type RawRequest, type RequestHandlerCore } from '../core/receiver.js';
import { jsonResponse, type RawResponse } from '../core/response.js';
import { matchSignature } from '../core/signature.js';

/** The header of listen's own test delivery; its value is a nonce made for this run. */
export const SELF_TEST_HEADER = 'x-thunderphone-webhooks-self-test';

export interface ListenGate extends RequestHandlerCore {
  /** From now on, deliveries go to `core`; the self-test is verified with `secret`. */
  open(core: RequestHandlerCore, secret: string): void;
}

export interface GateOptions {
  logger: Logger;
  selfTestNonce: string;
  /** Called for every delivery the opened core answered (not for the self-test). */
  onAnswered(request: RawRequest, response: RawResponse, latencyMs: number): void;
}

/**
 * The local server starts before the endpoint (and so its secret) exists: the tunnel needs its
 * port, the endpoint needs the tunnel's URL. Until `open`, deliveries get a 503 (ThunderPhone
 * retries). The self-test delivery is verified like any other, then answered here without
 * reaching handlers or the app.
 */
export function createGate(options: GateOptions): ListenGate {
  let inner: RequestHandlerCore | undefined;
  let secret: string | undefined;
  return {
    [CORE_MARK]: true,
    get limit() {
      return inner?.limit ?? DEFAULT_BODY_LIMIT;
    },
    get bodyTimeoutMs() {
      return inner?.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
    },
    logger: options.logger,
    open(core, key) {
      inner = core;
      secret = key;
    },
    precheck(request) {
      return inner?.precheck(request);
    },
    async handle(request) {
      if (inner === undefined || secret === undefined) {
        return jsonResponse(503, JSON.stringify({ error: 'not_ready', message: 'thunderphone-webhooks listen is still starting; retry' }), { 'retry-after': '1' });
      }
      const nonce = headerOf(request, SELF_TEST_HEADER);
      if (nonce !== undefined) return answerSelfTest(request, nonce, options.selfTestNonce, secret);
      const started = request.receivedAt ?? Date.now();
      const response = await inner.handle(request);
      options.onAnswered(request, response, Date.now() - started);
      return response;
    },
  } as ListenGate;
}

function answerSelfTest(request: RawRequest, nonce: string, expected: string, secret: string): RawResponse {
  const signature = headerOf(request, 'x-thunderphone-signature');
  const verified = matchSignature(request.body, signature, [secret]);
  if (!verified.ok) return jsonResponse(401, JSON.stringify({ error: verified.code, message: verified.reason }));
  if (nonce !== expected) return jsonResponse(409, JSON.stringify({ error: 'self_test_mismatch', message: 'a self-test of another listen run' }));
  return jsonResponse(200, JSON.stringify({ self_test: nonce }));
}

function headerOf(request: RawRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
  }
  return undefined;
}

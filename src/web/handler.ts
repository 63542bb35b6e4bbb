import { WebhookError, isWebhookError } from '../core/errors.js';
import { isRequestHandlerCore, type HeaderRecord, type Receiver, type ReceiverOptions, type RequestHandlerCore } from '../core/receiver.js';
import { errorResponse, type RawResponse } from '../core/response.js';
import { createReceiver } from './create-receiver.js';
import { readWebBody } from './read-body.js';

export type WebHandler<R extends RequestHandlerCore = RequestHandlerCore> = ((request: Request) => Promise<Response>) & {
  receiver: R;
};

/**
 * A Fetch API handler, `(request: Request) => Promise<Response>`, for Next.js App Router
 * (`export const POST = createWebHandler({ secret, handlers })`), Hono
 * (`app.post('/hook', (c) => handler(c.req.raw))`), Bun, Deno and Cloudflare Workers.
 * Pass options, or a receiver / tool receiver built already.
 */
export function createWebHandler<R extends RequestHandlerCore>(core: R): WebHandler<R>;
export function createWebHandler(options: ReceiverOptions): WebHandler<Receiver>;
export function createWebHandler(options: ReceiverOptions | RequestHandlerCore): WebHandler {
  const receiver = isRequestHandlerCore(options) ? options : createReceiver(options);

  const handler = async (request: Request): Promise<Response> => {
    const receivedAt = Date.now();
    const headers = toHeaderRecord(request.headers);
    const rejected = receiver.precheck({ method: request.method, headers });
    if (rejected) return toResponse(rejected);
    try {
      const body = await readWebBody(request, receiver.limit, receiver.bodyTimeoutMs);
      return toResponse(await receiver.handle({ method: request.method, headers, body, receivedAt }));
    } catch (error) {
      // Runtimes abort the request's signal when the client goes away mid-body.
      if (request.signal?.aborted) {
        receiver.logger.debug('client aborted the request before the body was complete');
        return toResponse(errorResponse(new WebhookError('invalid_body', 'the request was aborted before the body was complete')));
      }
      if (isWebhookError(error)) {
        receiver.logger.warn(`refused delivery: ${error.message}`, { status: error.status, code: error.code });
        return toResponse(errorResponse(error));
      }
      receiver.logger.error('unexpected error while receiving a webhook', { error: String((error as Error)?.stack ?? error) });
      return toResponse(errorResponse(new WebhookError('internal_error', 'internal error while receiving the webhook')));
    }
  };
  return Object.assign(handler, { receiver });
}

/** Headers as a plain record; the Fetch API already lower-cases names and joins repeats with ", ". */
function toHeaderRecord(headers: Headers): HeaderRecord {
  const record: HeaderRecord = {};
  headers.forEach((value, name) => {
    record[name.toLowerCase()] = value;
  });
  return record;
}

function toResponse(raw: RawResponse): Response {
  return new Response(raw.body, { status: raw.status, headers: raw.headers });
}

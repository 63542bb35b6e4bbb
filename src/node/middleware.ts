import type { ServerResponse } from 'node:http';
import { bodyHasherOf } from '../core/body-digest.js';
import { createReceiver } from '../core/create-receiver.js';
import { WebhookError, isWebhookError } from '../core/errors.js';
import { isRequestHandlerCore, type Receiver, type RequestHandlerCore, type ReceiverOptions } from '../core/receiver.js';
import { errorResponse, type RawResponse } from '../core/response.js';
import { closeGently } from './close-gently.js';
import { hasUnreadBody, isClientAbort, readRawBody, type NodeRequest } from './read-body.js';

export interface MiddlewareOptions extends ReceiverOptions {
  /**
   * Answer only this path (query string ignored); other paths go to `next()`, or 404 without one.
   * Under Express it is compared with `req.originalUrl`, the full path, whatever the mount point.
   */
  path?: string | undefined;
}

export type NodeMiddleware<R extends RequestHandlerCore = RequestHandlerCore> = ((
  req: NodeRequest,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => Promise<void>) & {
  receiver: R;
};

/**
 * Express middleware and plain `http.createServer` handler in one:
 * `app.post('/thunderphone-webhook', thunderphoneMiddleware({ secret, handlers }))` or
 * `http.createServer(thunderphoneMiddleware({ secret, handlers }))`.
 */
export function thunderphoneMiddleware<R extends RequestHandlerCore>(core: R): NodeMiddleware<R>;
export function thunderphoneMiddleware(options: MiddlewareOptions): NodeMiddleware<Receiver>;
export function thunderphoneMiddleware(options: MiddlewareOptions | RequestHandlerCore): NodeMiddleware {
  const receiver = isRequestHandlerCore(options) ? options : createReceiver(options);
  const path = isRequestHandlerCore(options) ? undefined : options.path;

  const middleware = async (req: NodeRequest, res: ServerResponse, next?: (error?: unknown) => void) => {
    const receivedAt = Date.now();
    if (path !== undefined && pathOf(req) !== path) {
      if (next) return next();
      const shown = pathOf(req).slice(0, 200);
      return send(res, errorResponse(new WebhookError('not_found', `nothing is served at ${shown}`)), hasUnreadBody(req));
    }
    const rejected = receiver.precheck({ method: req.method ?? 'GET', headers: req.headers });
    if (rejected) return send(res, rejected, hasUnreadBody(req));
    try {
      const body = await readRawBody(req, receiver.limit, receiver.bodyTimeoutMs, bodyHasherOf(receiver));
      send(res, await receiver.handle({ method: req.method ?? 'GET', headers: req.headers, body, receivedAt }));
    } catch (error) {
      if (isClientAbort(error)) {
        receiver.logger.debug('client aborted the request before the body was complete');
        return;
      }
      if (isWebhookError(error)) {
        // A 5xx here is a mounting mistake that fails every delivery: make it loud.
        const level = error.status >= 500 ? 'error' : 'warn';
        receiver.logger[level](`refused delivery: ${error.message}`, { status: error.status, code: error.code });
        return send(res, errorResponse(error), !req.readableEnded);
      }
      receiver.logger.error('unexpected error while receiving a webhook', { error: String((error as Error)?.stack ?? error) });
      send(res, errorResponse(new WebhookError('internal_error', 'internal error while receiving the webhook')));
    }
  };
  return Object.assign(middleware, { receiver });
}

function pathOf(req: NodeRequest): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

// When we answer before reading the body, closing the connection stops the client from
// streaming the rest of a body nobody will read into a kept-alive socket.
function send(res: ServerResponse, response: RawResponse, closeConnection = false): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  if (closeConnection) closeGently(res.req);
  // writeHead merges with headers other middleware already set with setHeader.
  res.writeHead(response.status, closeConnection ? { ...response.headers, connection: 'close' } : response.headers);
  res.end(response.body);
}

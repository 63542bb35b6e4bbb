import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { bodyHasherOf } from '../core/body-digest.js';
import { WebhookError, isWebhookError } from '../core/errors.js';
import type { RequestHandlerCore } from '../core/receiver.js';
import { errorResponse, type RawResponse } from '../core/response.js';
import { hasUnreadBody, isClientAbort, readRawBody } from '../node/read-body.js';
import { isUnparsableContentType } from './map-error.js';
import { resolveFastifyOptions, type ThunderphoneFastifyOptions } from './options.js';

// Every method reaches the core, so a wrong one gets the core's own 405 rather than Fastify's 404.
const METHODS: HTTPMethods[] = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/**
 * `app.register(thunderphonePlugin, { path, secret, handlers })` or `{ path, receiver }`.
 * Registers one route in its own encapsulated context, where every content type is read as the
 * raw bytes under the receiver's limit; the app's other routes keep their parsers.
 */
export async function thunderphonePlugin(
  app: FastifyInstance,
  options: ThunderphoneFastifyOptions | RequestHandlerCore,
): Promise<void> {
  const { core, path, bodyLimit } = resolveFastifyOptions(options);
  const arrivals = new WeakMap<object, number>();

  // Every content type is read by the same reader as the Express adapter, so the limit, the body
  // timeout and their refusals are the same on both.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', async (request: FastifyRequest) => readRawBody(request.raw, core.limit, core.bodyTimeoutMs, bodyHasherOf(core)));

  app.route({
    method: METHODS,
    url: path,
    bodyLimit,
    exposeHeadRoute: false,
    // Refuse before Fastify reads the body: wrong method, Content-Encoding, declared length.
    onRequest: async (request, reply) => {
      arrivals.set(request.raw, Date.now());
      const rejected = core.precheck({ method: request.method, headers: request.headers });
      if (rejected) return sendRaw(reply, rejected, hasUnreadBody(request.raw));
    },
    handler: async (request, reply) => {
      const body = bodyOf(request);
      return sendRaw(reply, await core.handle({ method: request.method, headers: request.headers, body, receivedAt: arrivalOf(request) }));
    },
    errorHandler: async (error, request, reply) => {
      if (isUnparsableContentType(error)) {
        // The core does not care about Content-Type, so read the untouched stream ourselves.
        return respondFromStream(core, request, reply, arrivalOf(request));
      }
      return sendRaw(reply, refusal(core, error), !request.raw.readableEnded);
    },
  });

  function arrivalOf(request: FastifyRequest): number {
    return arrivals.get(request.raw) ?? Date.now();
  }
}

async function respondFromStream(core: RequestHandlerCore, request: FastifyRequest, reply: FastifyReply, receivedAt: number) {
  try {
    const body = await readRawBody(request.raw, core.limit, core.bodyTimeoutMs, bodyHasherOf(core));
    return sendRaw(reply, await core.handle({ method: request.method, headers: request.headers, body, receivedAt }));
  } catch (error) {
    return sendRaw(reply, refusal(core, error), !request.raw.readableEnded);
  }
}

function bodyOf(request: FastifyRequest): Uint8Array {
  if (request.body === undefined || request.body === null) return new Uint8Array(0);
  if (request.body instanceof Uint8Array) return request.body;
  // Only a hook of the app's could have put something else here.
  throw new WebhookError(
    'body_already_parsed',
    'request.body is no longer the raw Buffer, so the signed bytes are gone: do not replace request.body in hooks on the ThunderPhone route',
  );
}

function refusal(core: RequestHandlerCore, error: unknown): RawResponse {
  if (isClientAbort(error)) {
    core.logger.debug('client aborted the request before the body was complete');
    return errorResponse(new WebhookError('invalid_body', 'the request was aborted before the body was complete'));
  }
  // The route's body is read by readRawBody, so its refusals (limit, timeout, short body) arrive
  // here as WebhookErrors already, worded as on the other adapters.
  if (isWebhookError(error)) {
    core.logger.warn(`refused delivery: ${error.message}`, { status: error.status, code: error.code });
    return errorResponse(error);
  }
  core.logger.error('unexpected error while receiving a webhook', { error: String((error as Error)?.stack ?? error) });
  return errorResponse(new WebhookError('internal_error', 'internal error while receiving the webhook'));
}

// Sent as a Buffer so no reply serializer touches the core's exact bytes. Closing the connection
// when we answer before reading stops the client streaming a body nobody reads.
function sendRaw(reply: FastifyReply, response: RawResponse, closeConnection = false): FastifyReply {
  reply.code(response.status).headers(response.headers);
  if (closeConnection) reply.header('connection', 'close');
  return reply.send(Buffer.from(response.body, 'utf8'));
}

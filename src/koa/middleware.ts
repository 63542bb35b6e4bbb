import type { Next, ParameterizedContext } from 'koa';
import { bodyHasherOf } from '../core/body-digest.js';
import { WebhookError, isWebhookError } from '../core/errors.js';
import type { Receiver, RequestHandlerCore } from '../core/receiver.js';
import { errorResponse, type RawResponse } from '../core/response.js';
import { hasUnreadBody, isClientAbort } from '../node/read-body.js';
import { resolveKoaOptions, type ThunderphoneKoaOptions } from './options.js';
import { readKoaBody } from './read-body.js';

export type KoaMiddleware<R extends RequestHandlerCore = RequestHandlerCore> = ((ctx: ParameterizedContext, next: Next) => Promise<void>) & {
  receiver: R;
};

/**
 * Koa middleware: `app.use(thunderphoneKoa({ path: '/thunderphone-webhook', secret, handlers }))`,
 * or `router.post('/hook', thunderphoneKoa({ secret, handlers }))`. Works with or without
 * koa-bodyparser; mounted before it (with `path`), the parser never sees the webhook.
 */
export function thunderphoneKoa<R extends RequestHandlerCore>(core: R): KoaMiddleware<R>;
export function thunderphoneKoa(options: ThunderphoneKoaOptions & { receiver?: undefined }): KoaMiddleware<Receiver>;
export function thunderphoneKoa(options: ThunderphoneKoaOptions): KoaMiddleware;
export function thunderphoneKoa(options: ThunderphoneKoaOptions | RequestHandlerCore): KoaMiddleware {
  const { core, path } = resolveKoaOptions(options);

  const middleware = async (ctx: ParameterizedContext, next: Next): Promise<void> => {
    const receivedAt = Date.now();
    if (path !== undefined && ctx.path !== path) return next();
    const rejected = core.precheck({ method: ctx.method, headers: ctx.headers });
    if (rejected) return respond(ctx, rejected, hasUnreadBody(ctx.req));
    try {
      const body = await readKoaBody(ctx, core.limit, core.bodyTimeoutMs, bodyHasherOf(core));
      respond(ctx, await core.handle({ method: ctx.method, headers: ctx.headers, body, receivedAt }));
    } catch (error) {
      if (isClientAbort(error)) {
        core.logger.debug('client aborted the request before the body was complete');
        return;
      }
      if (isWebhookError(error)) {
        core.logger.warn(`refused delivery: ${error.message}`, { status: error.status, code: error.code });
        return respond(ctx, errorResponse(error), !ctx.req.readableEnded);
      }
      core.logger.error('unexpected error while receiving a webhook', { error: String((error as Error)?.stack ?? error) });
      respond(ctx, errorResponse(new WebhookError('internal_error', 'internal error while receiving the webhook')));
    }
  };
  return Object.assign(middleware, { receiver: core });
}

// Headers go on after the body: Koa's body setter would otherwise pick its own content type.
function respond(ctx: ParameterizedContext, response: RawResponse, closeConnection = false): void {
  ctx.status = response.status;
  ctx.body = Buffer.from(response.body, 'utf8');
  ctx.set(response.headers);
  if (closeConnection) ctx.set('connection', 'close');
}

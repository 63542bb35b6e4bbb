import type { ParameterizedContext } from 'koa';
import { WebhookError } from '../core/errors.js';
import type { BodyHasher } from '../core/body-digest.js';
import { ClientAbortedError, readRawBody } from '../node/read-body.js';

const FIX =
  'mount thunderphoneKoa() before bodyParser() (give it a `path` so other routes still reach the parser), ' +
  'or use a body parser that keeps the raw body in ctx.request.rawBody';

const encoder = new TextEncoder();

/**
 * The signed bytes: what a body parser mounted earlier kept (koa-bodyparser's
 * ctx.request.rawBody), else the stream read under `limit`. koa-bodyparser keeps a decoded
 * string, which re-encodes to the exact bytes for UTF-8 JSON (the only thing ThunderPhone
 * sends); a body in another charset or with a BOM would fail verification, never pass wrongly.
 */
export async function readKoaBody(ctx: ParameterizedContext, limit: number, timeoutMs: number, makeHasher?: () => BodyHasher): Promise<Uint8Array> {
  const request = ctx.request as { rawBody?: unknown; body?: unknown };
  if (request.rawBody instanceof Uint8Array) return request.rawBody;
  if (typeof request.rawBody === 'string') return encoder.encode(request.rawBody);
  if (request.body instanceof Uint8Array) return request.body;

  // Gone before we got here (e.g. while an earlier middleware awaited): not a mounting mistake.
  if (ctx.req.destroyed && !ctx.req.complete) throw new ClientAbortedError();
  const drained = ctx.req.readableEnded || ctx.req.readable === false;
  if (drained || !isUntouchedPlaceholder(request.body)) {
    const what = drained ? 'the request stream was already read' : 'ctx.request.body is already parsed';
    throw new WebhookError('body_already_parsed', `${what} and no raw body was kept, so the signed bytes are gone: ${FIX}`);
  }
  return readRawBody(ctx.req, limit, timeoutMs, makeHasher);
}

// koa-bodyparser sets ctx.request.body = {} for a content type it skips, without reading the stream.
function isUntouchedPlaceholder(body: unknown): boolean {
  if (body === undefined) return true;
  return typeof body === 'object' && body !== null && body.constructor === Object && Object.keys(body).length === 0;
}

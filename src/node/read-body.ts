import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import type { BodyHasher } from '../core/body-digest.js';
import { withDeadline } from '../core/deadline.js';
import { WebhookError } from '../core/errors.js';

/** What frameworks may have left on the request before we see it. */
export type NodeRequest = IncomingMessage & { body?: unknown; rawBody?: unknown; _body?: boolean };

/** The body was never read because the client went away; there is nobody to answer. */
export class ClientAbortedError extends Error {
  constructor() {
    super('client aborted the request before the body was complete');
    this.name = 'ClientAbortedError';
  }
}

const FIX =
  'mount the ThunderPhone middleware before express.json() (or any body parser), ' +
  "use express.raw({ type: '*/*' }) on this route, or keep the raw bytes in req.rawBody " +
  '(Next.js Pages Router: export const config = { api: { bodyParser: false } })';

/**
 * Returns the exact body bytes: bytes another middleware already kept (express.raw() or
 * req.rawBody), else the stream read under `limit`. A body that was parsed into something
 * else, or a stream already drained, is a mounting mistake and fails at once, never by timeout.
 */
export async function readRawBody(req: NodeRequest, limit: number, timeoutMs: number, makeHasher?: () => BodyHasher): Promise<Uint8Array> {
  if (req.body instanceof Uint8Array) return req.body;
  if (req.rawBody instanceof Uint8Array) return req.rawBody;
  if (typeof req.rawBody === 'string') return new TextEncoder().encode(req.rawBody);

  // Gone before we got here (e.g. while an earlier middleware awaited): not a mounting mistake.
  if (req.destroyed && !req.complete) throw new ClientAbortedError();

  const drained = req._body === true || req.readableEnded || req.readable === false;
  if (drained || !isUntouchedPlaceholder(req.body)) {
    const what = req.body === undefined ? 'the request stream was already read' : `req.body is already ${describeBody(req.body)}`;
    throw alreadyConsumed(what);
  }

  const declared = req.headers['content-length'];
  const options = { limit, length: declared !== undefined && req.headers['transfer-encoding'] === undefined ? declared : null };
  const read = () => (makeHasher ? readHashing(req, options, makeHasher()) : getRawBody(req, options));
  // The whole body is buffered already (usual for small ones): nothing to wait for, so no timer.
  if (req.complete) {
    try {
      return await read();
    } catch (error) {
      throw mapReadError(error, limit);
    }
  }
  const outcome = await withDeadline(timeoutMs, read);
  if (outcome.kind === 'value') return outcome.value;
  if (outcome.kind === 'error') throw mapReadError(outcome.error, limit);
  // The reply closes the connection, which ends the read; its rejection is expected then.
  outcome.late.catch(() => {});
  throw new WebhookError('body_timeout', `the body did not arrive within ${timeoutMs} ms`);
}

// raw-body buffers and enforces the limit; the hasher sees the same chunks as they arrive, from
// a listener added first (the stream starts flowing on the next tick, so raw-body misses none).
async function readHashing(req: NodeRequest, options: getRawBody.Options, hasher: BodyHasher): Promise<Buffer> {
  req.on('data', hasher.update);
  try {
    const body = await getRawBody(req, options);
    hasher.finish(body);
    return body;
  } finally {
    req.removeListener('data', hasher.update);
  }
}

// body-parser 1.x sets req.body = {} even when it skips a request; that is not a parsed body.
function isUntouchedPlaceholder(body: unknown): boolean {
  if (body === undefined) return true;
  return typeof body === 'object' && body !== null && body.constructor === Object && Object.keys(body).length === 0;
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') return 'a string';
  if (Array.isArray(body)) return 'an array';
  return body === null ? 'null' : `a parsed ${typeof body}`;
}

function alreadyConsumed(what: string): WebhookError {
  return new WebhookError('body_already_parsed', `${what}, so the signed bytes are gone: ${FIX}`);
}

function mapReadError(error: unknown, limit: number): Error {
  const type = (error as { type?: string }).type;
  switch (type) {
    // Someone else touched the stream first: the same mounting mistake, found by raw-body.
    case 'stream.not.readable':
      return alreadyConsumed('the request stream was already read');
    case 'stream.encoding.set':
      return alreadyConsumed('an earlier middleware called req.setEncoding()');
    case 'entity.too.large':
      return new WebhookError('body_too_large', `body is over the ${limit}-byte limit`);
    case 'request.aborted':
      return new ClientAbortedError();
    case 'request.size.invalid':
      return new WebhookError('invalid_body', 'body length does not match Content-Length');
    default:
      return new WebhookError('invalid_body', 'could not read the request body');
  }
}

/** True while body bytes may still be coming: answering now should also close the connection. */
export function hasUnreadBody(req: IncomingMessage): boolean {
  return !req.readableEnded && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
}

/** A client that went away mid-body, however the framework reported it: nobody to answer. */
export function isClientAbort(error: unknown): boolean {
  if (error instanceof ClientAbortedError) return true;
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === 'ECONNRESET' || e?.code === 'ECONNABORTED' || e?.message === 'aborted';
}

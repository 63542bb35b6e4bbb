import { withDeadline } from '../core/deadline.js';
import { WebhookError } from '../core/errors.js';

/**
 * Reads the whole body of a Fetch API `Request` as bytes, stopping as soon as it passes `limit`,
 * whether or not Content-Length was declared (a declared length over the limit is refused
 * earlier, by the core's precheck), and giving up with a 408 after `timeoutMs`.
 */
export async function readWebBody(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> {
  if (request.bodyUsed || request.body?.locked) {
    throw new WebhookError(
      'body_already_parsed',
      'the request body was already read (request.bodyUsed is true), so the signed bytes are gone: ' +
        'verify before reading it, or pass request.clone() to the handler',
    );
  }
  if (request.body === null) return new Uint8Array(0);

  const reader = request.body.getReader();
  const outcome = await withDeadline(timeoutMs, () => readAll(reader, limit));
  if (outcome.kind === 'value') return outcome.value;
  if (outcome.kind === 'error') throw outcome.error;
  outcome.late.catch(() => {});
  void reader.cancel().catch(() => {});
  throw new WebhookError('body_timeout', `the body did not arrive within ${timeoutMs} ms`);
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        void reader.cancel().catch(() => {});
        throw new WebhookError('body_too_large', `body is over the ${limit}-byte limit`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof WebhookError) throw error;
    throw new WebhookError('invalid_body', 'could not read the request body', { cause: error });
  } finally {
    reader.releaseLock();
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

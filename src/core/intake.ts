import { WebhookError } from './errors.js';
import type { HeaderRecord, RawRequest, SignatureVerifier } from './receiver.js';
import { SIGNATURE_HEADER, getHeader } from './signature-header.js';

/** Which methods a receiver takes, and how to say so when refusing another. */
export interface MethodPolicy {
  methods: readonly string[];
  /** Ends the 405 message, e.g. "ThunderPhone delivers webhooks with POST". */
  hint: string;
}

/**
 * The checks that can be made from the method and headers alone, before any body byte is read.
 * Shared by the event receiver and the tool-call receiver so both refuse in the same words.
 */
export function checkRequestHead(method: string, headers: HeaderRecord, limit: number, policy: MethodPolicy): void {
  if (!policy.methods.includes(method.toUpperCase())) {
    throw new WebhookError('method_not_allowed', `${method} is not allowed; ${policy.hint}`);
  }
  const encoding = getHeader(headers, 'content-encoding');
  const enc = (typeof encoding === 'string' ? encoding : (encoding ?? []).join(',')).trim().toLowerCase();
  if (enc !== '' && enc !== 'identity') {
    throw new WebhookError(
      'unsupported_encoding',
      `Content-Encoding "${enc.slice(0, 40)}" is not supported; the signature covers the bytes as sent, so send the body uncompressed`,
    );
  }
  const declared = Number(getHeader(headers, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    throw new WebhookError('body_too_large', `Content-Length ${declared} is over the ${limit}-byte limit`);
  }
}

/** Everything up to a verified body: the head checks, the real size, then the signature. */
export async function admitRequest(
  request: RawRequest,
  limit: number,
  policy: MethodPolicy,
  verifier: SignatureVerifier,
  secrets: readonly string[],
): Promise<void> {
  checkRequestHead(request.method, request.headers, limit, policy);
  if (request.body.byteLength > limit) {
    throw new WebhookError('body_too_large', `body is ${request.body.byteLength} bytes; the limit is ${limit}`);
  }
  const outcome = await verifier(request.body, getHeader(request.headers, SIGNATURE_HEADER), secrets);
  if (!outcome.ok) throw new WebhookError(outcome.code, outcome.reason);
}

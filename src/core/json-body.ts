import { WebhookError } from './errors.js';
import { unsafeJsonShape } from './json-shape.js';
import { parseJsonLossless } from './lossless-json.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes verified body bytes as UTF-8 and parses them losslessly. `undefined` for an empty
 * (or whitespace-only) body, which callers decide about. Throws `invalid_json` (400), also for
 * JSON nested too deeply or holding prototype-polluting keys (see json-shape.ts).
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new WebhookError('invalid_json', 'body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = parseJsonLossless(text);
  } catch {
    throw new WebhookError('invalid_json', 'body is not valid JSON');
  }
  const unsafe = unsafeJsonShape(value);
  if (unsafe !== undefined) throw new WebhookError('invalid_json', unsafe);
  return value;
}

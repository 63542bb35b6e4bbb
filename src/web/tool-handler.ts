import { buildToolReceiver, type ToolCallHandler, type ToolReceiver, type ToolReceiverOptions } from '../core/tool-receiver.js';
import { createWebCryptoVerifier } from './webcrypto-verifier.js';

/**
 * Receives calls to one of your agent's function tools, verified with WebCrypto:
 * `export const POST = createWebHandler(toolHandler({ secret }, async (args, { callId }) => ...))`.
 */
export function toolHandler<Args = Record<string, unknown>>(options: ToolReceiverOptions, handler: ToolCallHandler<Args>): ToolReceiver {
  return buildToolReceiver(options, handler, createWebCryptoVerifier());
}

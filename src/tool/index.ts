import { withBodyHasher } from '../core/body-digest.js';
import { matchSignature } from '../core/signature.js';
import { buildToolReceiver, type ToolCallHandler, type ToolReceiver, type ToolReceiverOptions } from '../core/tool-receiver.js';

export {
  CALL_ID_HEADER,
  DEFAULT_TOOL_TIMEOUT_MS,
  TOOL_RESULT_WARN_BYTES,
  type ToolCallHandler,
  type ToolContext,
  type ToolErrorInfo,
  type ToolReceiver,
  type ToolReceiverOptions,
} from '../core/tool-receiver.js';

/**
 * Receives calls to one of your agent's function tools, verified with Node's crypto. Mount it like
 * any receiver: `app.post('/tools/book', thunderphoneMiddleware(toolHandler({ secret }, handler)))`.
 */
export function toolHandler<Args = Record<string, unknown>>(options: ToolReceiverOptions, handler: ToolCallHandler<Args>): ToolReceiver {
  return withBodyHasher(buildToolReceiver(options, handler, matchSignature), options.secrets ?? options.secret);
}

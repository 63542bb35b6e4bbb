// The Web-standard entry (`thunderphone-webhooks/web`): Fetch API Request/Response and WebCrypto
// only, no Node built-in, so it runs on Next.js, Hono, Bun, Deno and Cloudflare Workers.
export { createWebHandler, type WebHandler } from './handler.js';
export { createReceiver } from './create-receiver.js';
export { checkSignature, verify, constructEvent, type WebVerifyOutcome } from './verify.js';
export { WebhookError, isWebhookError, ERROR_STATUS, type WebhookErrorCode } from '../core/errors.js';
export {
  isReceiver,
  isRequestHandlerCore,
  CORE_MARK,
  type RequestHandlerCore,
  type Receiver,
  type ReceiverOptions,
  type RawRequest,
  type HandlerContext,
  type HandlerMap,
  type BlockingHandler,
  type EventHandler,
  type AnyHandler,
  type ErrorInfo,
  type NonBlockingEventType,
} from '../core/receiver.js';
export type { RawResponse } from '../core/response.js';
export {
  validateAgentConfig,
  defineAgentConfig,
  type AgentConfig,
  type BlockingReply,
  type FunctionTool,
  type UseStaticAgent,
} from '../core/agent-config.js';
export * from '../core/event-types.js';
export { parseJsonLossless } from '../core/lossless-json.js';
export { SIGNATURE_HEADER } from '../core/signature-header.js';
export { createConsoleLogger, silentLogger, type Logger } from '../core/logger.js';
export { memoryDedupeStore, DEFAULT_DEDUPE_MAX_ENTRIES, type MemoryDedupeStore, type MemoryDedupeStoreOptions } from '../core/memory-dedupe-store.js';
export { DEFAULT_DEDUPE_TTL_MS, type DedupeStore, type DedupeClaim } from '../core/dedupe-store.js';
export { dedupeKey } from '../core/dedupe-key.js';
export { DEFAULT_DEDUPE_LEASE_MS, DEFAULT_DEDUPE_TIMEOUT_MS, MAX_DEDUPE_KEY_LENGTH, type DedupeOptions } from '../core/dedupe.js';
export { toolHandler } from './tool-handler.js';
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

export { sign, verify, checkSignature, type VerifyOutcome } from './core/signature.js';
export { constructEvent } from './core/construct-event.js';
export { parseEnvelope } from './core/envelope.js';
export { WebhookError, isWebhookError, ERROR_STATUS, type WebhookErrorCode } from './core/errors.js';
export { createReceiver } from './core/create-receiver.js';
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
} from './core/receiver.js';
export type { RawResponse } from './core/response.js';
export {
  validateAgentConfig,
  defineAgentConfig,
  PRODUCTS,
  type AgentConfig,
  type BlockingReply,
  type FunctionTool,
  type Product,
  type UseStaticAgent,
  type ValidationResult,
} from './core/agent-config.js';
export * from './core/event-types.js';
export { parseJsonLossless, serializeSorted } from './core/lossless-json.js';
export { SIGNATURE_HEADER, parseSignatureHeader } from './core/signature-header.js';
export { createConsoleLogger, silentLogger, type Logger } from './core/logger.js';
export { DEFAULT_BODY_LIMIT, DEFAULT_DEADLINE_MS } from './core/limits.js';
export { DEFAULT_HANDLER_TIMEOUT_MS } from './core/receiver.js';
export { DeadlineExceededError } from './core/deadline.js';
export { memoryDedupeStore, DEFAULT_DEDUPE_MAX_ENTRIES, type MemoryDedupeStore, type MemoryDedupeStoreOptions } from './core/memory-dedupe-store.js';
export { DEFAULT_DEDUPE_TTL_MS, type DedupeStore, type DedupeClaim } from './core/dedupe-store.js';
export { dedupeKey } from './core/dedupe-key.js';
export { DEFAULT_DEDUPE_LEASE_MS, DEFAULT_DEDUPE_TIMEOUT_MS, MAX_DEDUPE_KEY_LENGTH, type DedupeOptions } from './core/dedupe.js';
export { thunderphoneMiddleware, type MiddlewareOptions, type NodeMiddleware } from './node/middleware.js';
export { containUnhandledRejections } from './node/unhandled-rejections.js';
export * from './api/index.js';
export {
  toolHandler,
  CALL_ID_HEADER,
  DEFAULT_TOOL_TIMEOUT_MS,
  TOOL_RESULT_WARN_BYTES,
  type ToolCallHandler,
  type ToolContext,
  type ToolErrorInfo,
  type ToolReceiver,
  type ToolReceiverOptions,
} from './tool/index.js';

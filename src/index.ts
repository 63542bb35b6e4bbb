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
export { thunderphoneMiddleware, type MiddlewareOptions, type NodeMiddleware } from './node/middleware.js';
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

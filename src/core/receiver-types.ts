import type { BlockingReply } from './agent-config.js';
import type { DedupeOptions } from './dedupe.js';
import type { DedupeStore } from './dedupe-store.js';
import type { BlockingEventType, EventOf, KnownEventType, ThunderPhoneEvent } from './event-types.js';
import type { Logger } from './logger.js';
import type { RawResponse } from './response.js';
import type { IntakeOptions } from './intake-options.js';
import type { HeaderValue } from './signature-header.js';

export type HeaderRecord = Record<string, HeaderValue | number>;

/** What an adapter hands to the core: nothing framework-specific. */
export interface RawRequest {
  method: string;
  headers: HeaderRecord;
  body: Uint8Array;
  /** When the request arrived (Date.now()); the blocking deadline counts from here. */
  receivedAt?: number;
}

export interface HandlerContext {
  /** Fires at the deadline (blocking events) or the handler timeout; pass it to fetch() and database calls. */
  signal: AbortSignal;
  /** The verified bytes exactly as received. */
  rawBody: Uint8Array;
  headers: HeaderRecord;
  logger: Logger;
}

/** A handler for a blocking event: what it returns is the agent configuration for the call. */
export type BlockingHandler<T extends BlockingEventType = BlockingEventType> = (
  event: EventOf<T>,
  context: HandlerContext,
) => BlockingReply | Promise<BlockingReply>;

/** A handler for any other event: resolve to acknowledge, throw to have ThunderPhone retry. */
export type EventHandler<T extends string = string> = (event: EventOf<T>, context: HandlerContext) => unknown;

export type NonBlockingEventType = Exclude<KnownEventType, BlockingEventType>;

type UnknownTypeName<T extends string> = T extends KnownEventType ? never : T;

export type AnyHandler = (
  event: ThunderPhoneEvent,
  context: HandlerContext,
) => BlockingReply | unknown | Promise<BlockingReply | unknown>;

export interface ErrorInfo {
  type: string;
  eventId?: string;
  /** `handler`: it threw in time; `late`: it threw after the deadline or timeout reply was sent. */
  phase: 'handler' | 'late';
}

/** Handlers by event type; `'*'` handles every type without a handler of its own. */
export type HandlerMap = { [T in BlockingEventType]?: BlockingHandler<T> } & {
  [T in NonBlockingEventType]?: EventHandler<T>;
} & { '*'?: AnyHandler } & {
  // Other (unknown) types; `any` here only so the typed entries above still fit the index.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [type: string]: ((event: any, context: HandlerContext) => unknown) | undefined;
};

export interface ReceiverOptions extends IntakeOptions {
  /** Handlers to register at once; the same as calling `.on(type, fn)` for each. */
  handlers?: HandlerMap | undefined;
  /** How long a blocking handler may take before `{}` is sent. Default 1800 ms. */
  deadlineMs?: number | undefined;
  /**
   * How long any other handler may take before the receiver answers 503 (so ThunderPhone retries)
   * instead of holding the connection. Default 25000 ms, inside ThunderPhone's 30 s wait.
   */
  handlerTimeoutMs?: number | undefined;
  /**
   * Run each event's handler at most once per key (ThunderPhone delivers at least once): a store
   * such as `memoryDedupeStore()`, or `{ store, key, leaseMs, timeoutMs }`. Off by default.
   */
  dedupe?: DedupeOptions | DedupeStore | undefined;
  /** Called with every handler error. Defaults to logging it. */
  onError?: ((error: unknown, info: ErrorInfo) => void | Promise<void>) | undefined;
}

export type SignatureVerifier = (
  body: Uint8Array,
  signature: HeaderValue,
  secrets: readonly string[],
) => { ok: true } | { ok: false; code: 'missing_signature' | 'invalid_signature'; reason: string } | Promise<
  { ok: true } | { ok: false; code: 'missing_signature' | 'invalid_signature'; reason: string }
>;

/**
 * What every adapter needs from the core: refuse early, then turn a request into a response.
 * Both the event receiver and the tool-call receiver provide it.
 */
export interface RequestHandlerCore {
  /** Checks what can be refused before the body is read: method, encoding, declared length. */
  precheck(request: Pick<RawRequest, 'method' | 'headers'>): RawResponse | undefined;
  handle(request: RawRequest): Promise<RawResponse>;
  readonly limit: number;
  /** How long the adapter may take to read the body before answering 408. */
  readonly bodyTimeoutMs: number;
  readonly logger: Logger;
}

export interface Receiver extends RequestHandlerCore {
  on<T extends BlockingEventType>(type: T | readonly T[], handler: BlockingHandler<T>): Receiver;
  on<T extends NonBlockingEventType>(type: T | readonly T[], handler: EventHandler<T>): Receiver;
  /** Types this library does not know yet; known types must use their typed overloads above. */
  on<T extends string>(type: UnknownTypeName<T> | readonly UnknownTypeName<T>[], handler: EventHandler<T>): Receiver;
  /** Handles every event type that has no handler of its own. */
  onAny(handler: AnyHandler): Receiver;
  readonly deadlineMs: number;
}

/** Marks objects that adapters may take as-is instead of options. */
export const CORE_MARK = Symbol.for('thunderphone-webhooks.core');

export function isRequestHandlerCore(value: unknown): value is RequestHandlerCore {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CORE_MARK] === true;
}

/** Same as isRequestHandlerCore. */
export const isReceiver = isRequestHandlerCore;

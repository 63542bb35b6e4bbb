import { validateAgentConfig, type AgentConfig, type UseStaticAgent } from '../core/agent-config.js';
import { isBlockingType } from '../core/event-types.js';
import { parseJsonLossless } from '../core/lossless-json.js';
import { BLOCKING_WAIT_MS } from './timeouts.js';

/** What came back from the receiver, before it is judged. */
export interface RawReply {
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * What ThunderPhone would make of the reply to a blocking event. `ok: true` means the call
 * runs with `value`; `staticAgent` says that `value` is `{}` (the number's static agent).
 * `ok: false` means ThunderPhone would fall back to the static agent, for `reason`.
 */
export type ReplyCheck =
  | { ok: true; value: AgentConfig | UseStaticAgent; staticAgent: boolean; slow: boolean }
  | { ok: false; reason: string; slow: boolean };

export interface DeliveryResult {
  /** The event type sent, when the body has one. */
  type: string | undefined;
  /** True for call.incoming, telephony.incoming and web.incoming: the reply is the agent configuration. */
  blocking: boolean;
  /** The HTTP status; 0 when no reply came in time. */
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  /** The reply body as text. */
  body: string;
  /** From sending the first byte to reading the whole reply. */
  latencyMs: number;
  /** No complete reply within `timeoutMs`; ThunderPhone would have given up too. */
  timedOut: boolean;
  timeoutMs: number;
  /** The reply parsed as JSON (64-bit integers kept exact), when it is JSON. */
  json?: unknown;
  /** Blocking events only. */
  reply?: ReplyCheck;
}

export function buildResult(type: string | undefined, raw: RawReply | 'timeout', latencyMs: number, timeoutMs: number): DeliveryResult {
  const blocking = type !== undefined && isBlockingType(type);
  const base = { type, blocking, latencyMs: Math.round(latencyMs), timeoutMs };
  if (raw === 'timeout') {
    const result: DeliveryResult = { ...base, status: 0, headers: {}, body: '', timedOut: true };
    if (blocking) result.reply = { ok: false, reason: `no reply within ${timeoutMs} ms`, slow: true };
    return result;
  }
  const result: DeliveryResult = { ...base, ...raw, timedOut: false };
  const parsed = parseJson(raw.body);
  if (parsed.ok) result.json = parsed.value;
  if (blocking) result.reply = checkReply(raw.status, raw.body, parsed, latencyMs > BLOCKING_WAIT_MS);
  return result;
}

function checkReply(status: number, body: string, parsed: Parsed, slow: boolean): ReplyCheck {
  if (status < 200 || status > 299) return { ok: false, reason: `status ${status} is not 2xx`, slow };
  if (!parsed.ok) {
    return { ok: false, reason: body.trim() === '' ? 'the reply body is empty (send {} for the static agent)' : 'the reply is not JSON', slow };
  }
  const verdict = validateAgentConfig(parsed.value);
  if (!verdict.ok) return { ok: false, reason: verdict.reason, slow };
  return { ok: true, value: verdict.value, staticAgent: Object.keys(verdict.value).length === 0, slow };
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): Parsed {
  if (text.trim() === '') return { ok: false };
  try {
    return { ok: true, value: parseJsonLossless(text) };
  } catch {
    return { ok: false };
  }
}

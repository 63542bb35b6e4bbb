import type { DeliveryResult } from './result.js';
import { BLOCKING_WAIT_MS } from './timeouts.js';

export interface DeliveryReport {
  /**
   * 2xx in time, and for a blocking event a reply ThunderPhone can use (a config or {}) that came
   * within the 2 s ThunderPhone waits: a slower one is a failure even when the caller waited.
   */
  ok: boolean;
  lines: string[];
}

const MAX_SHOWN = 4000;
const MAX_REASON = 300;

/** Human-readable lines saying what came back and what ThunderPhone would do with it. */
export function reportDelivery(result: DeliveryResult): DeliveryReport {
  const lines: string[] = [];
  const success = !result.timedOut && result.status >= 200 && result.status <= 299;
  if (result.timedOut) {
    lines.push(`status: no reply within ${result.timeoutMs} ms`);
  } else {
    lines.push(`status: ${result.status}${result.statusText ? ` ${result.statusText}` : ''}`);
    lines.push(`latency: ${result.latencyMs} ms`);
    lines.push(...showBody(result));
    const reason = errorReason(result.json);
    if (!success && reason) lines.push(`reason: ${reason}`);
  }

  if (result.blocking) lines.push(blockingVerdict(result));
  else if (result.timedOut) lines.push(`ThunderPhone would count this as a failed delivery and retry it (it waits ${result.timeoutMs / 1000} s)`);
  else if (!success) lines.push(`status ${result.status} is not 2xx: ThunderPhone would retry this delivery (for up to 24 h)`);
  else lines.push('acknowledged: ThunderPhone would count this delivery as done');

  const late = result.blocking && result.reply?.slow === true && !result.timedOut;
  const ok = success && (!result.blocking || (result.reply?.ok === true && !late));
  return { ok, lines };
}

function blockingVerdict(result: DeliveryResult): string {
  const reply = result.reply;
  if (reply?.slow && !result.timedOut) {
    const late = `(the reply took ${result.latencyMs} ms; ThunderPhone waits ${BLOCKING_WAIT_MS / 1000} s for ${result.type})`;
    const what = reply.ok ? 'valid, but' : `not usable (${reply.reason}), and too late anyway:`;
    return `agent configuration: ${what} ThunderPhone would not have waited: it would use the static agent ${late}`;
  }
  if (reply?.ok) {
    return reply.staticAgent
      ? "agent configuration: {} — ThunderPhone would use the number's static agent"
      : 'agent configuration: valid — ThunderPhone would run the call with it';
  }
  const reason = reply?.reason ?? 'no reply';
  if (result.timedOut) return `agent configuration: none (${reason}); ThunderPhone would stop waiting and use the static agent`;
  if (result.status < 200 || result.status > 299) return `agent configuration: none (${reason}); ThunderPhone would use the static agent`;
  return `agent configuration: not valid (${reason}); ThunderPhone would refuse it and use the static agent`;
}

function showBody(result: DeliveryResult): string[] {
  if (result.body === '') return ['reply: (empty body)'];
  const text = result.json !== undefined ? JSON.stringify(result.json, null, 2) : result.body;
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}\n… (${text.length - MAX_SHOWN} more characters)` : text;
  return ['reply:', shown];
}

// This library's receivers answer {"error": code, "message": reason}; other servers vary.
function errorReason(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const { message, error, detail } = json as Record<string, unknown>;
  for (const v of [message, detail, error]) if (typeof v === 'string' && v.trim().length > 0) return shortLine(v);
  return undefined;
}

// Whatever a server puts in its error body is shown as one line, and not all of it.
function shortLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

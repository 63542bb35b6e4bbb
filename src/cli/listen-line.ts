import { oneLine } from './one-line.js';

/** ThunderPhone waits about this long for a blocking reply. */
export const THUNDERPHONE_WAIT_MS = 2000;

export interface DeliveryFacts {
  at: Date;
  /** Absent when the delivery was refused before it was verified. */
  type: string | undefined;
  callId: string | undefined;
  blocking: boolean;
  status: number;
  latencyMs: number;
  /** The error code of a refusal (invalid_signature...). */
  refused: string | undefined;
  /** What happened on the way, e.g. what the app behind --forward-to did. */
  notes: string[];
}

export interface Palette {
  ok(text: string): string;
  warn(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
}

const plain: Palette = { ok: (t) => t, warn: (t) => t, bad: (t) => t, dim: (t) => t };
const ansi = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const coloured: Palette = { ok: ansi(32), warn: ansi(33), bad: ansi(31), dim: ansi(2) };

/** Colours only on a terminal, and never when NO_COLOR is set to anything non-empty (no-color.org). */
export function choosePalette(stream: unknown, env: Record<string, string | undefined>): Palette {
  const tty = (stream as { isTTY?: unknown } | null)?.isTTY === true;
  return tty && !env.NO_COLOR ? coloured : plain;
}

/** One line per delivery: time, type, call_id, status, latency, then any warning. */
export function deliveryLine(facts: DeliveryFacts, palette: Palette): string {
  const time = facts.at.toTimeString().slice(0, 8);
  const type = oneLine(facts.type ?? (facts.refused ? `refused (${facts.refused})` : 'unknown')).slice(0, 80);
  const callId = oneLine(facts.callId ?? '-').slice(0, 40);
  const status = String(facts.status);
  const colourStatus = facts.status < 300 ? palette.ok(status) : facts.status < 500 ? palette.warn(status) : palette.bad(status);
  const warnings = [...facts.notes];
  if (facts.blocking && facts.latencyMs > THUNDERPHONE_WAIT_MS) {
    warnings.push(`slow: the reply took over ${THUNDERPHONE_WAIT_MS / 1000} s, so ThunderPhone would have used the static agent`);
  }
  const tail = warnings.map((w) => `  ${palette.warn(`! ${oneLine(w)}`)}`).join('');
  return `${palette.dim(time)}  ${type.padEnd(20)}  call_id ${callId.padEnd(10)}  ${colourStatus}  ${String(Math.round(facts.latencyMs)).padStart(5)} ms${tail}`;
}

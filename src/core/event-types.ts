/**
 * ThunderPhone event payloads. Field lists follow the public docs; where the docs are silent
 * the fields are optional and every object stays open (`[key: string]: unknown`) so that new
 * fields pass through untouched.
 */

/**
 * Call and other resource ids are 64-bit integers. Values up to 2^53 - 1 arrive as numbers;
 * larger ones arrive as a string of their exact digits, never as a rounded number.
 */
export type Id = number | string;

type Open = { [key: string]: unknown };

export interface IncomingData extends Open {
  call_id: Id;
  /** E.164 caller, or the literal "web" for widget and mic sessions. */
  from_number: string;
  to_number: string;
}

export type EndReason =
  | 'caller_hangup'
  | 'agent_end'
  | 'transfer'
  | 'timeout'
  | 'error'
  | 'user_hangup'
  | 'ai_hangup'
  | (string & {});

export interface TranscriptEntry extends Open {
  role: 'user' | 'assistant' | 'tool_call' | 'tool_response' | (string & {});
  content: unknown;
  content_type?: 'text/plain' | 'application/json' | (string & {});
  start_ms?: number;
  end_ms?: number;
}

export interface CompleteData extends Open {
  call_id: Id;
  direction?: 'inbound' | 'outbound' | 'mic' | 'widget' | (string & {});
  from_number: string;
  to_number: string;
  start_time?: string;
  end_time?: string;
  duration_seconds?: number;
  status?: 'completed' | 'failed' | (string & {});
  end_reason?: EndReason;
  product?: string;
  voice?: string;
  transfer_number?: string | null;
  /** Expiring signed URL: download it promptly. */
  recording_url?: string | null;
  billable_minutes?: number;
  billing_total_cents?: number;
  transcripts?: TranscriptEntry[];
  agent_name?: string;
}

export interface ToolAuditData extends Open {
  call_id: Id;
}

export interface GradedData extends Open {
  call_id: Id;
  grade?: Open & {
    score?: number;
    call_outcome?: string;
    /** Distinguishes the fast grade from the full one: a call can be graded twice. */
    grader_model?: string;
    summary?: string;
  };
  report?: Open & { outcome_label?: string };
  agent_name?: string;
}

export interface IssueReportedData extends Open {
  id?: Id;
  call_id?: Id;
  source?: 'user' | 'system' | (string & {});
  severity?: 'info' | 'warning' | 'critical' | (string & {});
  status?: 'open' | 'acknowledged' | 'resolved' | (string & {});
  title?: string;
  description?: string;
  created_at?: string;
  updated_at?: string;
}

export interface TestCallData extends Open {
  id?: Id;
  call_id?: Id | null;
  status?: 'queued' | 'in_progress' | 'completed' | 'failed' | (string & {});
  target_type?: 'agent' | 'phone_number' | (string & {});
  target_id?: Id;
  scenario_prompt?: string;
  error_message?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
}

export interface EventDataMap {
  'call.incoming': IncomingData;
  'call.complete': CompleteData;
  'telephony.incoming': IncomingData;
  'telephony.complete': CompleteData;
  'telephony.tool': ToolAuditData;
  'web.incoming': IncomingData;
  'web.complete': CompleteData;
  'web.tool': ToolAuditData;
  'call.graded': GradedData;
  'issue.reported': IssueReportedData;
  'test-call.completed': TestCallData;
}

export type KnownEventType = keyof EventDataMap;

export const KNOWN_EVENT_TYPES = [
  'call.incoming',
  'call.complete',
  'telephony.incoming',
  'telephony.complete',
  'telephony.tool',
  'web.incoming',
  'web.complete',
  'web.tool',
  'call.graded',
  'issue.reported',
  'test-call.completed',
] as const satisfies readonly KnownEventType[];

/** Events whose reply is the agent configuration for the call; ThunderPhone waits about 2 s. */
export const BLOCKING_EVENT_TYPES = ['call.incoming', 'telephony.incoming', 'web.incoming'] as const;
export type BlockingEventType = (typeof BLOCKING_EVENT_TYPES)[number];

export function isBlockingType(type: string): type is BlockingEventType {
  return (BLOCKING_EVENT_TYPES as readonly string[]).includes(type);
}

export function isKnownType(type: string): type is KnownEventType {
  return (KNOWN_EVENT_TYPES as readonly string[]).includes(type);
}

interface EnvelopeBase {
  /** Present in some deliveries; the best key for de-duplication when it is there. */
  event_id?: string;
  [key: string]: unknown;
}

export type KnownEvent = {
  [T in KnownEventType]: EnvelopeBase & { type: T; data: EventDataMap[T] };
}[KnownEventType];

/** A type this library does not know yet; it passes through untouched. Narrow with `isKnownEvent(event)` first, then switch on `event.type`. */
export interface UnknownEvent extends EnvelopeBase {
  type: string;
  data: unknown;
}

export type ThunderPhoneEvent = KnownEvent | UnknownEvent;

export type EventOf<T extends string> = T extends KnownEventType
  ? Extract<KnownEvent, { type: T }>
  : UnknownEvent;

export function isKnownEvent(event: ThunderPhoneEvent): event is KnownEvent {
  return isKnownType(event.type);
}

/** Type guard for one event type: `if (isEvent(event, 'call.complete')) event.data.transcripts`. */
export function isEvent<T extends KnownEventType>(event: ThunderPhoneEvent, type: T): event is EventOf<T> {
  return event.type === type;
}

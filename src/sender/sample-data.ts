import type { EventDataMap, KnownEventType } from '../core/event-types.js';

/**
 * Realistic `data` objects for every known event type, one call's worth: the same `call_id`
 * runs through incoming, tool, complete, graded and issue events, as it does at ThunderPhone.
 * Fields follow the public docs; where the docs give no field names (the tool audit events)
 * the names here are a reasonable guess and are marked as such.
 */

export const SAMPLE_CALL_ID = 987654321;
export const SAMPLE_CALLER = '+14155550199';
export const SAMPLE_NUMBER = '+15551234567';

const START = '2026-04-20T18:24:10.113Z';
const END = '2026-04-20T18:25:04.822Z';

type SampleFactories = { [T in KnownEventType]: () => EventDataMap[T] };

const incoming = (from: string) => ({ call_id: SAMPLE_CALL_ID, from_number: from, to_number: SAMPLE_NUMBER });

const transcripts = () => [
  { role: 'assistant', content_type: 'text/plain', content: 'Thanks for calling Acme Dental, this is Ava. How can I help?', start_ms: 420, end_ms: 3100 },
  { role: 'user', content_type: 'text/plain', content: "Hi, I'd like to book a cleaning for next Tuesday.", start_ms: 3600, end_ms: 6000 },
  {
    role: 'tool_call',
    content_type: 'application/json',
    content: { name: 'search_appointments', arguments: { date: '2026-04-28' } },
    start_ms: 6200,
    end_ms: 6200,
  },
  {
    role: 'tool_response',
    content_type: 'application/json',
    content: { slots: ['09:30', '14:00'] },
    start_ms: 6900,
    end_ms: 6900,
  },
  { role: 'assistant', content_type: 'text/plain', content: 'I have 9:30 or 2 pm on Tuesday. Which works better?', start_ms: 7100, end_ms: 9800 },
  // Non-ASCII on purpose: ThunderPhone's serialiser escapes it as \uXXXX.
  { role: 'user', content_type: 'text/plain', content: '9:30, please. Merci — à mardi!', start_ms: 10400, end_ms: 12300 },
];

const complete = (direction: string, from: string) => ({
  call_id: SAMPLE_CALL_ID,
  direction,
  from_number: from,
  to_number: SAMPLE_NUMBER,
  start_time: START,
  end_time: END,
  duration_seconds: 54,
  status: 'completed',
  end_reason: 'caller_hangup',
  product: 'spark',
  voice: 'en-US-James1',
  transfer_number: null,
  recording_url: `https://storage.googleapis.com/thunderphone-recordings/${SAMPLE_CALL_ID}.wav?X-Goog-Expires=3600&X-Goog-Signature=5f2a9c`,
  billable_minutes: 1,
  billing_total_cents: 8,
  transcripts: transcripts(),
  agent_name: 'Acme Dental receptionist',
});

// The docs say only "tool name, arguments, and response (or error)"; these field names are assumed.
const toolAudit = () => ({
  call_id: SAMPLE_CALL_ID,
  tool_name: 'search_appointments',
  arguments: { date: '2026-04-28' },
  response: { slots: ['09:30', '14:00'] },
  error: null,
  timestamp_ms: 6200,
});

const SAMPLE_DATA: SampleFactories = {
  'call.incoming': () => incoming(SAMPLE_CALLER),
  'telephony.incoming': () => incoming(SAMPLE_CALLER),
  'web.incoming': () => incoming('web'),
  'call.complete': () => complete('inbound', SAMPLE_CALLER),
  'telephony.complete': () => complete('inbound', SAMPLE_CALLER),
  'web.complete': () => complete('widget', 'web'),
  'telephony.tool': toolAudit,
  'web.tool': toolAudit,
  'call.graded': () => ({
    call_id: SAMPLE_CALL_ID,
    agent_name: 'Acme Dental receptionist',
    grade: {
      score: 86,
      call_outcome: 'appointment_booked',
      grader_model: 'full',
      summary: 'Caller booked a cleaning for Tuesday 9:30; the agent confirmed the slot and ended politely.',
      detected_issues: [],
    },
    report: { outcome_label: 'Booked' },
  }),
  'issue.reported': () => ({
    id: 4412,
    call_id: SAMPLE_CALL_ID,
    source: 'system',
    severity: 'warning',
    status: 'open',
    title: 'Agent did not confirm the patient name',
    description: 'The booking was made without asking for the caller’s full name.',
    reported_by_id: null,
    timestamp_seconds: 31,
    detected_issue_ref: 'grade:missing_identity_check',
    metadata: { grader_model: 'full' },
    trace_id: '3f6c2a1e-8b9d-4c7a-9e21-5d0f7b3a6c48',
    created_at: '2026-04-20T18:25:41.007Z',
    updated_at: '2026-04-20T18:25:41.007Z',
  }),
  'test-call.completed': () => ({
    id: 771,
    target_type: 'agent',
    target_id: 3021,
    direction: 'inbound',
    target_number: SAMPLE_NUMBER,
    scenario_prompt: 'You are a patient who wants a cleaning next Tuesday morning and is in a hurry.',
    mode: 'bot',
    status: 'completed',
    charge_multiplier: 1,
    estimated_cost_cents: 9,
    call_id: SAMPLE_CALL_ID,
    sip_call_id: null,
    error_message: null,
    started_at: START,
    completed_at: END,
    batch_id: null,
    created_at: '2026-04-20T18:24:02.550Z',
    updated_at: '2026-04-20T18:25:05.019Z',
  }),
};

/** A fresh copy of the sample `data` for `type` (safe to modify). */
export function sampleData<T extends KnownEventType>(type: T): EventDataMap[T] {
  return SAMPLE_DATA[type]();
}

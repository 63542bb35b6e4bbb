import { describe, expect, it } from 'vitest';
import { dedupeKey, parseEnvelope, type ThunderPhoneEvent } from '../src/index.js';
import { sampleEvent } from '../src/testing/index.js';

const ev = (type: string, data: Record<string, unknown>, eventId?: string): ThunderPhoneEvent =>
  ({ type, data, ...(eventId === undefined ? {} : { event_id: eventId }) }) as ThunderPhoneEvent;

describe('dedupeKey', () => {
  it('is the event_id when there is one, whatever the type', () => {
    expect(dedupeKey(ev('call.complete', { call_id: 1 }, 'evt_1'))).toBe('evt_1');
    expect(dedupeKey(ev('telephony.tool', { call_id: 1 }, 'evt_tool_7'))).toBe('evt_tool_7');
    expect(dedupeKey(ev('some.future.type', {}, 'evt_x'))).toBe('evt_x');
    // An empty event_id is no id.
    expect(dedupeKey(ev('call.complete', { call_id: 5 }, ''))).toBe('call.complete:5');
  });

  it.each(['call.incoming', 'call.complete', 'telephony.incoming', 'telephony.complete', 'web.incoming', 'web.complete'])(
    'is type:call_id for %s, sent once per call',
    (type) => {
      expect(dedupeKey(ev(type, { call_id: 987654321 }))).toBe(`${type}:987654321`);
      expect(dedupeKey(ev(type, {}))).toBeUndefined();
    },
  );

  it('keeps the exact digits of a 64-bit call id', () => {
    const event = parseEnvelope(Buffer.from('{"data":{"call_id":12345678901234567890},"type":"call.complete"}'));
    expect(dedupeKey(event)).toBe('call.complete:12345678901234567890');
  });

  it('tells the fast and the full grade of one call apart', () => {
    const fast = dedupeKey(ev('call.graded', { call_id: 42, grade: { grader_model: 'fast' } }));
    const full = dedupeKey(ev('call.graded', { call_id: 42, grade: { grader_model: 'full' } }));
    expect(fast).toBe('call.graded:42:fast');
    expect(full).toBe('call.graded:42:full');
    // Without a model the two grades could not be told apart: not deduplicated.
    expect(dedupeKey(ev('call.graded', { call_id: 42, grade: { score: 80 } }))).toBeUndefined();
    expect(dedupeKey(ev('call.graded', { call_id: 42 }))).toBeUndefined();
  });

  it('tells the issues of one call apart by their id', () => {
    expect(dedupeKey(ev('issue.reported', { call_id: 42, id: 1 }))).toBe('issue.reported:42:1');
    expect(dedupeKey(ev('issue.reported', { call_id: 42, id: 2 }))).toBe('issue.reported:42:2');
    expect(dedupeKey(ev('issue.reported', { id: 3 }))).toBe('issue.reported::3');
    expect(dedupeKey(ev('issue.reported', { call_id: 42 }))).toBeUndefined();
  });

  it('keys test-call.completed by the test call id (its call_id may be null)', () => {
    expect(dedupeKey(ev('test-call.completed', { id: 771, call_id: null }))).toBe('test-call.completed:771');
    expect(dedupeKey(ev('test-call.completed', { call_id: 5 }))).toBeUndefined();
  });

  it('does not deduplicate tool audit events or unknown types without an event_id', () => {
    expect(dedupeKey(ev('telephony.tool', { call_id: 1, tool_name: 'x' }))).toBeUndefined();
    expect(dedupeKey(ev('web.tool', { call_id: 1, tool_name: 'x' }))).toBeUndefined();
    expect(dedupeKey(ev('voice.turn', { call_id: 1 }))).toBeUndefined();
  });

  it('gives each documented sample a key, and distinct types distinct keys', () => {
    const keys = ['call.incoming', 'call.complete', 'telephony.complete', 'call.graded', 'issue.reported', 'test-call.completed'].map((type) => {
      const { envelope } = sampleEvent(type as 'call.complete', { event_id: undefined });
      return dedupeKey(envelope as ThunderPhoneEvent);
    });
    expect(keys.every((k) => typeof k === 'string')).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

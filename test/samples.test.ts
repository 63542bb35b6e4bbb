import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { constructEvent } from '../src/core/construct-event.js';
import { KNOWN_EVENT_TYPES, BLOCKING_EVENT_TYPES } from '../src/core/event-types.js';
import { composeEnvelope, sampleData, sampleEnvelope, toWireBody, deliveryHeaders } from '../src/sender/index.js';

const SECRET = 'whsec_samples_test_secret';

// Written from the ThunderPhone docs (incoming, complete, graded, issue-report and test-call
// pages), independently of the sample module.
const INCOMING = ['call_id', 'from_number', 'to_number'];
const COMPLETE = [
  'call_id', 'direction', 'from_number', 'to_number', 'start_time', 'end_time', 'duration_seconds', 'status',
  'end_reason', 'product', 'voice', 'transfer_number', 'recording_url', 'billable_minutes', 'billing_total_cents', 'transcripts',
];
const ISSUE = [
  'id', 'call_id', 'source', 'severity', 'status', 'title', 'description', 'reported_by_id', 'timestamp_seconds',
  'detected_issue_ref', 'metadata', 'trace_id', 'created_at', 'updated_at',
];
const TEST_CALL = [
  'id', 'target_type', 'target_id', 'direction', 'target_number', 'scenario_prompt', 'mode', 'status', 'charge_multiplier',
  'estimated_cost_cents', 'call_id', 'sip_call_id', 'error_message', 'started_at', 'completed_at', 'batch_id', 'created_at', 'updated_at',
];
const E164 = /^\+[1-9]\d{6,14}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An independent serialiser: sorted keys via a replacer, then Python-style \uXXXX escapes. */
function referenceSerialise(value: unknown): string {
  const sorted = JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
  return sorted.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function hmac(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

describe('sample envelopes', () => {
  it.each(KNOWN_EVENT_TYPES)('%s: has a sample that serialises sorted and compact', (type) => {
    const envelope = sampleEnvelope(type);
    expect(envelope.type).toBe(type);
    expect(envelope.event_id).toMatch(/^evt_[0-9a-f]{24}$/);
    expect(typeof envelope.data).toBe('object');

    const body = toWireBody(envelope);
    expect(body).toBe(referenceSerialise(envelope));
    expect(body).toMatch(/^[\x20-\x7e]*$/); // ASCII only, non-ASCII escaped
    expect(body.startsWith('{"data":{')).toBe(true);
    expect(JSON.parse(body)).toEqual(envelope);
  });

  it.each(KNOWN_EVENT_TYPES)('%s: round-trips through constructEvent with its signature', (type) => {
    const envelope = sampleEnvelope(type);
    const body = toWireBody(envelope);
    const signature = hmac(body, SECRET);
    expect(deliveryHeaders(body, SECRET)['X-ThunderPhone-Signature']).toBe(signature);
    expect(constructEvent(body, signature, SECRET)).toEqual(JSON.parse(body));
    expect(() => constructEvent(body, hmac(body, 'whsec_other'), SECRET)).toThrow(/signature does not match/);
  });

  it('escapes non-ASCII the way Python json.dumps does', () => {
    const body = toWireBody(sampleEnvelope('call.complete'));
    expect(body).toContain('Merci \\u2014 \\u00e0 mardi!');
    expect(JSON.parse(body).data.transcripts.at(-1).content).toBe('9:30, please. Merci — à mardi!');
  });

  it.each(['call.incoming', 'telephony.incoming'] as const)('%s carries call_id, an E.164 caller and number', (type) => {
    const { data } = sampleEnvelope(type);
    expect(Object.keys(data).sort()).toEqual([...INCOMING].sort());
    expect(Number.isInteger(data.call_id)).toBe(true);
    expect(data.from_number).toMatch(E164);
    expect(data.to_number).toMatch(E164);
  });

  it('web.incoming has from_number "web"', () => {
    const { data } = sampleEnvelope('web.incoming');
    expect(Object.keys(data).sort()).toEqual([...INCOMING].sort());
    expect(data.from_number).toBe('web');
    expect(data.to_number).toMatch(E164);
  });

  it.each(['call.complete', 'telephony.complete', 'web.complete'] as const)('%s carries every documented complete field', (type) => {
    const { data } = sampleEnvelope(type);
    for (const key of COMPLETE) expect(data, key).toHaveProperty(key);
    expect(data.start_time).toMatch(ISO_MS);
    expect(data.end_time).toMatch(ISO_MS);
    expect(Date.parse(data.end_time as string) - Date.parse(data.start_time as string)).toBeGreaterThan(0);
    expect(Number.isInteger(data.duration_seconds)).toBe(true);
    expect(['completed', 'failed']).toContain(data.status);
    expect(['caller_hangup', 'agent_end', 'transfer', 'timeout', 'error']).toContain(data.end_reason);
    expect(data.transfer_number).toBeNull();
    expect(data.recording_url).toMatch(/^https:\/\//);
    expect(Number.isInteger(data.billable_minutes)).toBe(true);
    expect(Number.isInteger(data.billing_total_cents)).toBe(true);
    const roles = new Set(data.transcripts?.map((t) => t.role));
    expect([...roles].sort()).toEqual(['assistant', 'tool_call', 'tool_response', 'user']);
    for (const entry of data.transcripts ?? []) {
      expect(entry.content_type).toBe(entry.role.startsWith('tool') ? 'application/json' : 'text/plain');
      expect(entry.start_ms).toBeLessThanOrEqual(entry.end_ms as number);
    }
    const toolCall = data.transcripts?.find((t) => t.role === 'tool_call');
    expect(toolCall?.content).toMatchObject({ name: expect.any(String), arguments: expect.any(Object) });
    if (type === 'web.complete') {
      expect(['widget', 'mic']).toContain(data.direction);
      expect(data.from_number).toBe('web');
    } else {
      expect(['inbound', 'outbound']).toContain(data.direction);
      expect(data.from_number).toMatch(E164);
    }
  });

  it.each(['telephony.tool', 'web.tool'] as const)('%s carries the call, tool name, arguments and response', (type) => {
    const { data } = sampleEnvelope(type);
    expect(Number.isInteger(data.call_id)).toBe(true);
    expect(data).toMatchObject({ tool_name: expect.any(String), arguments: expect.any(Object), response: expect.any(Object) });
  });

  it('call.graded carries a grade with score, call_outcome, grader_model and summary', () => {
    const { data } = sampleEnvelope('call.graded');
    expect(Number.isInteger(data.call_id)).toBe(true);
    expect(data.grade).toMatchObject({
      score: expect.any(Number),
      call_outcome: expect.any(String),
      grader_model: expect.any(String),
      summary: expect.any(String),
    });
  });

  it('issue.reported carries the issue-report object', () => {
    const { data } = sampleEnvelope('issue.reported');
    expect(Object.keys(data).sort()).toEqual([...ISSUE].sort());
    expect(['user', 'system']).toContain(data.source);
    expect(['info', 'warning', 'critical']).toContain(data.severity);
    expect(['open', 'acknowledged', 'resolved']).toContain(data.status);
    expect((data.title as string).length).toBeGreaterThan(0);
    expect(data.trace_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('test-call.completed carries the test-call run object', () => {
    const { data } = sampleEnvelope('test-call.completed');
    expect(Object.keys(data).sort()).toEqual([...TEST_CALL].sort());
    expect(data.status).toBe('completed');
    expect(['agent', 'phone_number']).toContain(data.target_type);
    expect(['bot', 'sip']).toContain(data.mode);
    expect(data.completed_at).toMatch(ISO_MS);
  });

  it('uses one call_id across the events of a call', () => {
    const ids = KNOWN_EVENT_TYPES.map((t) => (sampleEnvelope(t).data as { call_id: unknown }).call_id);
    expect(new Set(ids).size).toBe(1);
  });

  it('knows which types are blocking', () => {
    expect([...BLOCKING_EVENT_TYPES].sort()).toEqual(['call.incoming', 'telephony.incoming', 'web.incoming']);
  });
});

describe('sampleEnvelope overrides', () => {
  it('deep-merges data, replaces arrays and keeps the rest of the sample', () => {
    const envelope = sampleEnvelope('call.complete', {
      data: { end_reason: 'transfer', transfer_number: '+14155550123', transcripts: [{ role: 'user', content: 'hi' }] },
    });
    expect(envelope.data.end_reason).toBe('transfer');
    expect(envelope.data.transfer_number).toBe('+14155550123');
    expect(envelope.data.transcripts).toEqual([{ role: 'user', content: 'hi' }]);
    expect(envelope.data.voice).toBe(sampleEnvelope('call.complete').data.voice);
  });

  it('merges nested objects key by key', () => {
    const { data } = sampleEnvelope('call.graded', { data: { grade: { score: 41 } } });
    expect(data.grade?.score).toBe(41);
    expect(data.grade?.grader_model).toBe(sampleEnvelope('call.graded').data.grade?.grader_model);
  });

  it('sets or removes top-level fields such as event_id', () => {
    expect(sampleEnvelope('call.incoming', { event_id: 'evt_fixed' }).event_id).toBe('evt_fixed');
    const without = sampleEnvelope('call.incoming', { event_id: undefined });
    expect('event_id' in without).toBe(false);
    expect(toWireBody(without)).not.toContain('event_id');
  });

  it('gives each sample a new event_id and never shares objects between samples', () => {
    const a = sampleEnvelope('call.complete');
    const b = sampleEnvelope('call.complete');
    expect(a.event_id).not.toBe(b.event_id);
    a.data.transcripts?.push({ role: 'user', content: 'mutated' });
    (a.data as Record<string, unknown>).voice = 'changed';
    const c = sampleEnvelope('call.complete');
    expect(c.data.transcripts).toHaveLength(b.data.transcripts?.length ?? -1);
    expect(c.data.voice).toBe(b.data.voice);
  });

  it('writes a bigint call_id as a bare 64-bit integer that the receiver keeps exact', () => {
    const envelope = sampleEnvelope('call.incoming', { data: { call_id: 9007199254740993n } });
    const body = toWireBody(envelope);
    expect(body).toContain('"call_id":9007199254740993,');
    const event = constructEvent(body, hmac(body, SECRET), SECRET);
    expect((event.data as { call_id: unknown }).call_id).toBe('9007199254740993');
  });

  it('allows a type it does not know when data is given, and refuses one without data', () => {
    const envelope = sampleEnvelope('voice.transcribed', { data: { call_id: 5, text: 'ok' } });
    expect(toWireBody(envelope)).toMatch(/^\{"data":\{"call_id":5,"text":"ok"\},"event_id":"evt_[0-9a-f]{24}","type":"voice.transcribed"\}$/);
    expect(() => sampleEnvelope('voice.transcribed' as 'call.incoming')).toThrow(/no sample for "voice.transcribed"/);
  });

  it('keeps a "__proto__" key as data instead of changing the prototype', () => {
    const overrides = JSON.parse('{"data":{"__proto__":{"polluted":true}}}') as { data: Record<string, unknown> };
    const envelope = sampleEnvelope('call.incoming', overrides);
    expect(Object.getPrototypeOf(envelope.data)).toBe(Object.prototype);
    expect(toWireBody(envelope)).toContain('"__proto__":{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('composeEnvelope (trigger --data) reads overrides the way sampleEnvelope takes them', () => {
  it('an envelope-shaped {"data", "event_id"} gives the same envelope as sampleEnvelope(type, overrides)', () => {
    const overrides = { event_id: 'evt_same', data: { end_reason: 'transfer', transcripts: [{ role: 'user', content: 'hi' }] } };
    expect(composeEnvelope('call.complete', overrides)).toEqual(sampleEnvelope('call.complete', overrides));
  });

  it('event data alone is merged over the sample data, and a "type" makes the whole envelope', () => {
    const merged = composeEnvelope('call.complete', { end_reason: 'transfer' });
    expect(merged.data).toEqual({ ...sampleData('call.complete'), end_reason: 'transfer' });
    expect(composeEnvelope(undefined, { type: 'x.y', data: { a: 1 } })).toEqual({ type: 'x.y', data: { a: 1 } });
  });
});

describe('module boundaries', () => {
  const importsOf = (dir: string) =>
    readdirSync(new URL(`../src/${dir}/`, import.meta.url)).flatMap((file) =>
      [...readFileSync(new URL(`../src/${dir}/${file}`, import.meta.url), 'utf8').matchAll(/from '([^']+)'/g)].map((m): [string, string] => [file, m[1] as string]),
    );

  it('src/sender imports only src/core, itself and node built-ins', () => {
    expect(importsOf('sender').map(([, spec]) => spec)).toEqual(expect.arrayContaining(['node:crypto', 'node:http', '../core/signature.js']));
    const outside = importsOf('sender').filter(([, spec]) => !/^(node:|\.\/|\.\.\/core\/)/.test(spec));
    expect(outside).toEqual([]);
  });

  it('src/testing and src/cli never import each other', () => {
    expect(importsOf('testing').map(([, spec]) => spec)).toContain('../sender/index.js');
    expect(importsOf('testing').filter(([, spec]) => spec.includes('/cli/'))).toEqual([]);
    expect(importsOf('cli').filter(([, spec]) => spec.includes('/testing/'))).toEqual([]);
  });
});

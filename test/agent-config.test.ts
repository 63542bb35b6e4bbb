import { describe, expect, it } from 'vitest';
import { PRODUCTS, defineAgentConfig, validateAgentConfig } from '../src/core/agent-config.js';

const minimal = { prompt: 'You are a helpful booking assistant for Acme Restaurant.', voice: 'en-US-James1' };

const tool = (overrides: Record<string, unknown> = {}) => ({
  type: 'function',
  function: {
    name: 'search_appointments',
    description: 'Find available appointment slots for a given date',
    parameters: { type: 'object', properties: { date: { type: 'string' } }, required: ['date'] },
  },
  endpoint: { url: 'https://api.example.com/appointments/search', method: 'POST', headers: { 'X-Api-Key': 'k' } },
  ...overrides,
});

function accepted(value: unknown) {
  const result = validateAgentConfig(value);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result.value;
}

function refused(value: unknown): string {
  const result = validateAgentConfig(value);
  if (result.ok) throw new Error(`expected a refusal for ${JSON.stringify(value)}`);
  expect(result.reason.length).toBeGreaterThan(0);
  expect(result.reason).not.toContain('\n');
  return result.reason;
}

describe('validateAgentConfig: required fields', () => {
  it('accepts the minimal {prompt, voice}', () => {
    expect(accepted(minimal)).toEqual(minimal);
  });

  it('accepts the spec §4.1 example', () => {
    const example = { prompt: 'p', voice: 'en-US-James1', product: 'spark', background_track: null, tools: [] };
    expect(accepted(example)).toEqual(example);
  });

  it('accepts voice_name as an alias of voice', () => {
    expect(accepted({ prompt: 'p', voice_name: 'en-US-James1' })).toEqual({ prompt: 'p', voice_name: 'en-US-James1' });
  });

  it('refuses voice and voice_name together', () => {
    expect(refused({ prompt: 'p', voice: 'a', voice_name: 'b' })).toMatch(/"voice" or its alias "voice_name", not both/);
  });

  it('refuses a missing prompt or voice, naming the field', () => {
    expect(refused({ voice: 'v' })).toMatch(/"prompt" is required/);
    expect(refused({ prompt: 'p' })).toMatch(/"voice" is required/);
    expect(refused({ prompt: 'p', product: 'spark' })).toMatch(/"voice"/);
  });

  it('refuses a prompt or voice that is not a non-empty string', () => {
    expect(refused({ prompt: '', voice: 'v' })).toMatch(/"prompt" must be a non-empty string/);
    expect(refused({ prompt: 1, voice: 'v' })).toMatch(/"prompt" must be a non-empty string/);
    expect(refused({ prompt: 'p', voice: null })).toMatch(/"voice" must be a non-empty string/);
    expect(refused({ prompt: 'p', voice_name: 7 })).toMatch(/"voice_name" must be a non-empty string/);
  });
});

describe('validateAgentConfig: options', () => {
  it('lists exactly the products of spec §4.1', () => {
    expect([...PRODUCTS].sort()).toEqual(
      ['spark', 'bolt', 'storm-base', 'storm-base-with-ack', 'storm-extra', 'storm-extra-with-ack'].sort(),
    );
  });

  it.each(['spark', 'bolt', 'storm-base', 'storm-base-with-ack', 'storm-extra', 'storm-extra-with-ack'])(
    'accepts product %s',
    (product) => {
      expect(accepted({ ...minimal, product })).toEqual({ ...minimal, product });
    },
  );

  it.each(['zap', 'turbo', 'Spark', '', 1])('refuses product %s', (product) => {
    expect(refused({ ...minimal, product })).toMatch(/"product" must be one of spark, bolt, storm-base/);
  });

  it('accepts thinking_level base and extra only', () => {
    expect(accepted({ ...minimal, thinking_level: 'base' })).toMatchObject({ thinking_level: 'base' });
    expect(accepted({ ...minimal, thinking_level: 'extra' })).toMatchObject({ thinking_level: 'extra' });
    expect(refused({ ...minimal, thinking_level: 'max' })).toMatch(/"thinking_level" must be one of base, extra/);
  });

  it('accepts background_track as a string or null', () => {
    expect(accepted({ ...minimal, background_track: 'CALL_CENTER' })).toMatchObject({ background_track: 'CALL_CENTER' });
    expect(accepted({ ...minimal, background_track: null })).toEqual({ ...minimal, background_track: null });
    expect(refused({ ...minimal, background_track: 3 })).toMatch(/"background_track" must be a string or null/);
    expect(refused({ ...minimal, background_track: {} })).toMatch(/background_track/);
  });

  it('requires acknowledgement_prompt when acknowledgement_prompt_mode is manual', () => {
    expect(refused({ ...minimal, acknowledgement_prompt_mode: 'manual' })).toMatch(
      /"acknowledgement_prompt" must be a non-empty string when "acknowledgement_prompt_mode" is "manual"/,
    );
    expect(refused({ ...minimal, acknowledgement_prompt_mode: 'manual', acknowledgement_prompt: '' })).toMatch(/manual/);
    const manual = { ...minimal, product: 'storm-base-with-ack', acknowledgement_prompt_mode: 'manual', acknowledgement_prompt: 'One moment.' };
    expect(accepted(manual)).toEqual(manual);
  });

  it('accepts auto mode with or without a prompt, and refuses other modes', () => {
    expect(accepted({ ...minimal, acknowledgement_prompt_mode: 'auto' })).toMatchObject({ acknowledgement_prompt_mode: 'auto' });
    expect(accepted({ ...minimal, acknowledgement_prompt_mode: 'auto', acknowledgement_prompt: 'Hm.' })).toMatchObject({
      acknowledgement_prompt: 'Hm.',
    });
    expect(refused({ ...minimal, acknowledgement_prompt_mode: 'always' })).toMatch(/"auto" or "manual"/);
    expect(refused({ ...minimal, acknowledgement_prompt: 5 })).toMatch(/"acknowledgement_prompt" must be a string/);
  });

  it('refuses speak order and max_hold_seconds, which only exist on the Agent (spec §4.1)', () => {
    expect(refused({ ...minimal, inbound_speak_order: 'agent_first' })).toMatch(/"inbound_speak_order"/);
    expect(refused({ ...minimal, max_hold_seconds: 30 })).toMatch(/"max_hold_seconds"/);
  });
});

describe('validateAgentConfig: tools', () => {
  it('accepts the spec §4.3 tool, and a tool with only the required fields', () => {
    const required = { type: 'function', function: { name: 'f', description: '', parameters: {} }, endpoint: { url: 'http://localhost:3000/f' } };
    const config = { ...minimal, tools: [tool(), required] };
    expect(accepted(config)).toEqual(config);
  });

  it('allows extra keys inside a tool (where ThunderPhone says to put extra data)', () => {
    const config = { ...minimal, tools: [tool({ metadata: { team: 'x' }, strict: true })] };
    expect(accepted(config)).toEqual(config);
  });

  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])('accepts endpoint.method %s', (method) => {
    accepted({ ...minimal, tools: [tool({ endpoint: { url: 'https://x.example', method } })] });
  });

  const badTools: [string, unknown, RegExp][] = [
    ['tools not an array', { a: tool() }, /"tools" must be an array/],
    ['a tool that is not an object', ['search'], /tools\[0\] must be an object/],
    ['type other than function', [tool({ type: 'retrieval' })], /tools\[0\]\.type must be "function"/],
    ['no function object', [tool({ function: undefined })], /tools\[0\]\.function must be an object/],
    ['an empty function.name', [tool({ function: { name: '', description: 'd', parameters: {} } })], /function\.name must be a non-empty string/],
    ['no description', [tool({ function: { name: 'n', parameters: {} } })], /function\.description must be a string/],
    ['parameters not an object', [tool({ function: { name: 'n', description: 'd', parameters: [] } })], /function\.parameters must be a JSON Schema object/],
    ['no endpoint', [tool({ endpoint: undefined })], /tools\[0\]\.endpoint must be an object/],
    ['a non-http endpoint.url', [tool({ endpoint: { url: 'ftp://x.example' } })], /endpoint\.url must be an http\(s\) URL/],
    ['a relative endpoint.url', [tool({ endpoint: { url: '/search' } })], /endpoint\.url/],
    ['an unknown method', [tool({ endpoint: { url: 'https://x.example', method: 'FETCH' } })], /endpoint\.method must be one of GET, POST, PUT, PATCH, DELETE/],
    ['a lower-case method', [tool({ endpoint: { url: 'https://x.example', method: 'post' } })], /endpoint\.method/],
    ['a non-string header value', [tool({ endpoint: { url: 'https://x.example', headers: { 'X-N': 1 } } })], /endpoint\.headers must be an object of string values/],
    ['headers as an array of {key,value}', [tool({ endpoint: { url: 'https://x.example', headers: [{ key: 'a', value: 'b' }] } })], /endpoint\.headers/],
  ];
  it.each(badTools)('refuses %s', (_label, tools, reason) => {
    expect(refused({ ...minimal, tools })).toMatch(reason);
  });

  it('refuses duplicate tool names, naming the duplicate and its index', () => {
    const second = tool();
    expect(refused({ ...minimal, tools: [tool(), second] })).toMatch(/tools\[1\]\.function\.name "search_appointments" is used twice/);
  });

  it('reports the index of the failing tool', () => {
    const bad = tool({ endpoint: { url: 'nope' } });
    const other = tool({ function: { name: 'other', description: 'd', parameters: {} } });
    expect(refused({ ...minimal, tools: [other, bad] })).toMatch(/^tools\[1\]\.endpoint\.url/);
  });
});

describe('validateAgentConfig: shape', () => {
  it('refuses unknown top-level keys, naming them', () => {
    expect(refused({ ...minimal, customer_id: 'c1' })).toMatch(/unknown top-level key "customer_id"/);
    const both = refused({ ...minimal, a: 1, b: 2 });
    expect(both).toMatch(/unknown top-level keys "a", "b"/);
    expect(both).toMatch(/tools\[i\]/);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['{}', {}],
    ['an object of undefined keys', { prompt: undefined, voice: undefined }],
  ])('treats %s as {} (use the static agent)', (_label, value) => {
    expect(validateAgentConfig(value)).toEqual({ ok: true, value: {} });
  });

  it.each([
    ['an array', [minimal], /an array/],
    ['a string', JSON.stringify(minimal), /got string/],
    ['a number', 1, /got number/],
    ['a boolean', true, /got boolean/],
  ])('refuses %s', (_label, value, reason) => {
    expect(refused(value)).toMatch(reason);
  });

  it('counts keys whose value is undefined as absent, and drops them from the value', () => {
    const value = accepted({ ...minimal, product: undefined, tools: undefined, voice_name: undefined, extra: undefined });
    expect(value).toEqual(minimal);
    expect(Object.keys(value)).toEqual(['prompt', 'voice']);
    // An undefined prompt is still a missing prompt.
    expect(refused({ prompt: undefined, voice: 'v' })).toMatch(/"prompt" is required/);
  });

  it('defineAgentConfig returns its argument unchanged', () => {
    const config = { prompt: 'p', voice: 'v', product: 'bolt' as const };
    expect(defineAgentConfig(config)).toBe(config);
  });
});

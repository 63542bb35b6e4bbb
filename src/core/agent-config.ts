/** The reply to a blocking event (`call.incoming`, `telephony.incoming`, `web.incoming`). */

export const PRODUCTS = [
  'spark',
  'bolt',
  'storm-base',
  'storm-base-with-ack',
  'storm-extra',
  'storm-extra-with-ack',
] as const;
export type Product = (typeof PRODUCTS)[number];

export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    /** Tells the model when to call the tool. */
    description: string;
    /** JSON Schema of the arguments. */
    parameters: Record<string, unknown>;
  };
  /** Where ThunderPhone sends the call; never shown to the model. */
  endpoint: {
    url: string;
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    headers?: Record<string, string>;
  };
  [extra: string]: unknown;
}

interface AgentConfigBase {
  prompt: string;
  product?: Product;
  thinking_level?: 'base' | 'extra';
  background_track?: string | null;
  tools?: FunctionTool[];
}

type AcknowledgementFields =
  | { acknowledgement_prompt_mode?: 'auto'; acknowledgement_prompt?: string }
  | { acknowledgement_prompt_mode: 'manual'; acknowledgement_prompt: string };

type VoiceFields = { voice: string; voice_name?: never } | { voice_name: string; voice?: never };

/**
 * A full agent configuration. Unknown top-level keys are a compile error here, as they are a
 * 400 at ThunderPhone. `voice_name` is accepted as an alias of `voice`, but not both at once.
 */
export type AgentConfig = AgentConfigBase & VoiceFields & AcknowledgementFields;

type AgentConfigKey = keyof AgentConfigBase | 'voice' | 'voice_name' | 'acknowledgement_prompt_mode' | 'acknowledgement_prompt';

/**
 * `{}` tells ThunderPhone to use the number's statically assigned agent. (Spelled with optional
 * `undefined` keys so that `if (x) return {}; return {...config}` type-checks.)
 */
export type UseStaticAgent = { [K in AgentConfigKey]?: undefined };

export type BlockingReply = AgentConfig | UseStaticAgent | null | undefined;

/** Identity at run time; lets TypeScript check an agent configuration literal key by key. */
export function defineAgentConfig(config: AgentConfig): AgentConfig {
  return config;
}

export type ValidationResult = { ok: true; value: AgentConfig | UseStaticAgent } | { ok: false; reason: string };

const TOP_LEVEL_KEYS = new Set([
  'prompt',
  'voice',
  'voice_name',
  'product',
  'thinking_level',
  'background_track',
  'acknowledgement_prompt_mode',
  'acknowledgement_prompt',
  'tools',
]);
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Checks a blocking reply against ThunderPhone's documented schema, so a reply ThunderPhone would
 * refuse with 400 can be replaced with `{}` (the static agent) instead. `null` and `undefined`
 * count as `{}`.
 */
export function validateAgentConfig(value: unknown): ValidationResult {
  if (value === null || value === undefined) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `reply must be an object, got ${Array.isArray(value) ? 'an array' : typeof value}` };
  }
  // Keys holding undefined vanish in JSON, so they count as absent here too.
  const c = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
  const keys = Object.keys(c);
  if (keys.length === 0) return { ok: true, value: {} };

  const unknown = keys.filter((k) => !TOP_LEVEL_KEYS.has(k));
  if (unknown.length > 0) {
    return { ok: false, reason: `unknown top-level key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (ThunderPhone rejects them; put extra data inside tools[i])` };
  }
  const problem =
    requireString(c, 'prompt') ??
    checkVoice(c) ??
    oneOf(c, 'product', PRODUCTS) ??
    oneOf(c, 'thinking_level', ['base', 'extra']) ??
    (c.background_track !== undefined && c.background_track !== null && typeof c.background_track !== 'string'
      ? '"background_track" must be a string or null'
      : undefined) ??
    checkAcknowledgement(c) ??
    checkTools(c.tools);
  return problem ? { ok: false, reason: problem } : { ok: true, value: c as unknown as AgentConfig };
}

function requireString(c: Record<string, unknown>, key: string): string | undefined {
  if (c[key] === undefined) return `"${key}" is required`;
  if (typeof c[key] !== 'string' || (c[key] as string).length === 0) return `"${key}" must be a non-empty string`;
  return undefined;
}

function checkVoice(c: Record<string, unknown>): string | undefined {
  if (c.voice !== undefined && c.voice_name !== undefined) return 'give "voice" or its alias "voice_name", not both';
  return requireString(c, c.voice_name !== undefined ? 'voice_name' : 'voice');
}

function oneOf(c: Record<string, unknown>, key: string, allowed: readonly string[]): string | undefined {
  if (c[key] === undefined || allowed.includes(c[key] as string)) return undefined;
  return `"${key}" must be one of ${allowed.join(', ')}`;
}

function checkAcknowledgement(c: Record<string, unknown>): string | undefined {
  const mode = c.acknowledgement_prompt_mode;
  if (mode !== undefined && mode !== 'auto' && mode !== 'manual') {
    return '"acknowledgement_prompt_mode" must be "auto" or "manual"';
  }
  if (mode === 'manual' && requireString(c, 'acknowledgement_prompt') !== undefined) {
    return '"acknowledgement_prompt" must be a non-empty string when "acknowledgement_prompt_mode" is "manual"';
  }
  if (c.acknowledgement_prompt !== undefined && typeof c.acknowledgement_prompt !== 'string') {
    return '"acknowledgement_prompt" must be a string';
  }
  return undefined;
}

function checkTools(tools: unknown): string | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return '"tools" must be an array';
  const names = new Set<string>();
  for (const [i, tool] of tools.entries()) {
    const at = `tools[${i}]`;
    if (!isObject(tool)) return `${at} must be an object`;
    if (tool.type !== 'function') return `${at}.type must be "function"`;
    const fn = tool.function;
    if (!isObject(fn)) return `${at}.function must be an object`;
    if (typeof fn.name !== 'string' || fn.name.length === 0) return `${at}.function.name must be a non-empty string`;
    if (names.has(fn.name)) return `${at}.function.name "${fn.name}" is used twice`;
    names.add(fn.name);
    if (typeof fn.description !== 'string') return `${at}.function.description must be a string`;
    if (!isObject(fn.parameters)) return `${at}.function.parameters must be a JSON Schema object`;
    const ep = tool.endpoint;
    if (!isObject(ep)) return `${at}.endpoint must be an object with a "url"`;
    if (typeof ep.url !== 'string' || !/^https?:\/\//i.test(ep.url)) return `${at}.endpoint.url must be an http(s) URL`;
    if (ep.method !== undefined && !METHODS.has(ep.method as string)) {
      return `${at}.endpoint.method must be one of ${[...METHODS].join(', ')}`;
    }
    if (ep.headers !== undefined) {
      if (!isObject(ep.headers) || Object.values(ep.headers).some((v) => typeof v !== 'string')) {
        return `${at}.endpoint.headers must be an object of string values`;
      }
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Compile-time checks. The real test is `npx tsc --noEmit -p .`: every `@ts-expect-error` below must
 * meet an error, or tsc fails ("Unused '@ts-expect-error' directive"), and every other line must
 * compile. The runtime `it` only makes vitest count the file.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createReceiver,
  defineAgentConfig,
  isEvent,
  isKnownEvent,
  type AgentConfig,
  type BlockingHandler,
  type BlockingReply,
  type Id,
  type ThunderPhoneEvent,
} from '../src/index.js';

function compileTimeChecks(): void {
  // A minimal configuration compiles.
  defineAgentConfig({ prompt: 'p', voice: 'v' });
  defineAgentConfig({ prompt: 'p', voice_name: 'v', product: 'storm-extra-with-ack', background_track: null });
  defineAgentConfig({ prompt: 'p', voice: 'v', acknowledgement_prompt_mode: 'manual', acknowledgement_prompt: 'One moment.' });
  defineAgentConfig({
    prompt: 'p',
    voice: 'v',
    tools: [
      {
        type: 'function',
        function: { name: 'lookup', description: 'Look a customer up', parameters: { type: 'object' } },
        endpoint: { url: 'https://api.example.com/lookup', method: 'POST', headers: { 'X-Api-Key': 'k' } },
        metadata: { extra: 'allowed inside a tool' },
      },
    ],
  });

  // @ts-expect-error unknown top-level key (ThunderPhone answers 400)
  defineAgentConfig({ prompt: 'p', voice: 'v', customer_id: 'c1' });

  // @ts-expect-error 'zap' is an old product, not in the current list
  defineAgentConfig({ prompt: 'p', voice: 'v', product: 'zap' });

  // @ts-expect-error manual acknowledgement mode needs acknowledgement_prompt
  defineAgentConfig({ prompt: 'p', voice: 'v', acknowledgement_prompt_mode: 'manual' });

  // @ts-expect-error voice and its alias voice_name cannot both be given
  defineAgentConfig({ prompt: 'p', voice: 'v', voice_name: 'v2' });

  // @ts-expect-error prompt is required
  defineAgentConfig({ voice: 'v' });

  // @ts-expect-error a tool endpoint method outside the enum
  defineAgentConfig({ prompt: 'p', voice: 'v', tools: [{ type: 'function', function: { name: 'n', description: 'd', parameters: {} }, endpoint: { url: 'https://x', method: 'FETCH' } }] });

  const receiver = createReceiver({ secret: 'whsec_types' });

  receiver.on('call.complete', (e) => {
    expectTypeOf(e.type).toEqualTypeOf<'call.complete'>();
    expectTypeOf(e.data.recording_url).toEqualTypeOf<string | null | undefined>();
    expectTypeOf(e.data.call_id).toEqualTypeOf<Id>();
    // @ts-expect-error recording_url may be null or missing
    const url: string = e.data.recording_url;
    void url;
  });

  // A blocking handler may answer {} in one branch and a configuration in another.
  receiver.on('call.incoming', (e) => {
    expectTypeOf(e.data.from_number).toEqualTypeOf<string>();
    const prompt = `Caller ${e.data.from_number}`;
    const voice = 'en-US-James1';
    if (e.data.from_number === 'web') return {};
    return { prompt, voice };
  });
  receiver.on('telephony.incoming', async (e) => {
    if (e.data.to_number.length === 0) return null;
    return { prompt: 'p', voice: 'v', product: 'bolt' };
  });

  // TypeScript does not check excess keys in an arrow function's returned literal (a language
  // limitation), so a typo in a bare reply is caught at run time (the reply becomes {} with a warning).
  // Wrapping the reply in defineAgentConfig, or annotating the return type, makes it a compile error:
  receiver.on('web.incoming', () =>
    defineAgentConfig({
      prompt: 'p',
      voice: 'v',
      // @ts-expect-error unknown key in a blocking reply
      promt: 'typo',
    }),
  );
  receiver.on('web.incoming', (): BlockingReply => ({
    prompt: 'p',
    voice: 'v',
    // @ts-expect-error unknown key in an annotated blocking reply
    extra: 1,
  }));

  const standalone: BlockingHandler<'web.incoming'> = (e) => (e.data.call_id ? { prompt: 'p', voice: 'v' } : {});
  void standalone;
  // @ts-expect-error a typed blocking handler cannot answer with an unknown product
  const badProduct: BlockingHandler<'web.incoming'> = () => ({ prompt: 'p', voice: 'v', product: 'turbo' });
  void badProduct;

  const reply: BlockingReply = Math.random() > 0.5 ? {} : { prompt: 'p', voice: 'v' };
  void reply;
  const config: AgentConfig = { prompt: 'p', voice: 'v' };
  void config;

}

function narrowing(event: ThunderPhoneEvent): string {
  if (!isKnownEvent(event)) {
    expectTypeOf(event.data).toEqualTypeOf<unknown>();
    return event.type;
  }
  switch (event.type) {
    case 'call.complete':
    case 'telephony.complete':
    case 'web.complete':
      expectTypeOf(event.data.transcripts).toEqualTypeOf<import('../src/index.js').TranscriptEntry[] | undefined>();
      return String(event.data.duration_seconds ?? 0);
    case 'call.graded':
      expectTypeOf(event.data.grade).toMatchTypeOf<{ score?: number; grader_model?: string } | undefined>();
      return event.data.grade?.grader_model ?? '';
    case 'call.incoming':
      // @ts-expect-error an incoming event has no recording_url typed as a string
      event.data.recording_url satisfies string;
      return event.data.to_number;
    case 'issue.reported':
      return event.data.severity ?? 'info';
    default:
      return event.type;
  }
}

function guard(event: ThunderPhoneEvent): void {
  if (isEvent(event, 'call.graded')) {
    expectTypeOf(event.data.grade?.score).toEqualTypeOf<number | undefined>();
  }
  // @ts-expect-error isEvent only takes known event types
  isEvent(event, 'call.completed');
}

describe('type-level API (checked by tsc --noEmit -p .)', () => {
  it('has compile-time checks that are referenced, not run', () => {
    expect(typeof compileTimeChecks).toBe('function');
    expect(narrowing({ type: 'call.graded', data: { call_id: 1, grade: { grader_model: 'fast' } } })).toBe('fast');
    expect(narrowing({ type: 'voice.started', data: null })).toBe('voice.started');
    expect(() => guard({ type: 'call.graded', data: { call_id: 1 } })).not.toThrow();
  });
});

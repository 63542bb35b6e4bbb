// Handlers for `thunderphone-webhooks serve --handlers ./examples/handlers.mjs` (what `npm start` runs).
// serve verifies every delivery's signature first; these functions only ever see verified events.
import { defineAgentConfig } from 'thunderphone-webhooks';

/** The agent that answers a call. ThunderPhone waits about 2 s for it, so keep this fast. */
export function agentFor(incoming) {
  const caller = incoming.from_number === 'web' ? 'a visitor on the website' : `the caller at ${incoming.from_number}`;
  return defineAgentConfig({
    prompt:
      'You are the receptionist of Example Dental. Greet ' +
      caller +
      ' warmly, find out what they need, and offer the next free appointment. Keep answers short.',
    voice: 'en-US-James1',
    product: 'spark',
    background_track: null,
  });
}

export default {
  // Blocking: what these return is the agent configuration for the call.
  'call.incoming': (event) => agentFor(event.data),
  'telephony.incoming': (event) => agentFor(event.data),

  // Not blocking: resolve to acknowledge; throw and serve answers 500 so ThunderPhone retries.
  'call.complete': (event) => {
    const call = event.data;
    const transcript = Array.isArray(call.transcripts) ? call.transcripts : [];
    const turns = transcript.filter((entry) => entry.role === 'user' || entry.role === 'assistant').length;
    const toolCalls = transcript.filter((entry) => entry.role === 'tool_call').length;
    const billing =
      typeof call.billing_total_cents === 'number' ? `$${(call.billing_total_cents / 100).toFixed(2)}` : 'unknown cost';
    console.error(
      `call ${call.call_id} ended (${call.end_reason ?? 'unknown reason'}): ` +
        `${call.duration_seconds ?? '?'} s, ${call.billable_minutes ?? '?'} billable min, ${billing}, ${turns} transcript turns, ${toolCalls} tool call${toolCalls === 1 ? '' : 's'}`,
    );
  },

  // Everything else (call.graded, web.incoming, types added later, ...) is acknowledged.
  // For web.incoming, a blocking event, returning nothing means {}: the static agent answers.
  '*': (event) => {
    console.error(`received ${event.type}; no specific handler, acknowledged`);
  },
};

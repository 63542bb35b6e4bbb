import type { KnownEventType } from '../core/event-types.js';

/** One line per known event type, for `trigger --list`. */
export const EVENT_DESCRIPTIONS: Record<KnownEventType, string> = {
  'call.incoming': 'legacy webhook URL: a call or webhook-mode widget session starts; the reply is the agent configuration',
  'call.complete': 'legacy webhook URL: a call or widget session ended (transcript, recording, billing)',
  'telephony.incoming': 'an inbound call reached one of your numbers; the reply is the agent configuration',
  'telephony.complete': 'a phone call ended (transcript, recording, billing)',
  'telephony.tool': 'a phone call used a function tool (name, arguments, response or error); for auditing',
  'web.incoming': 'a widget or mic session starts (publishable key in webhook mode); the reply is the agent configuration',
  'web.complete': 'a widget or mic session ended; like call.complete with direction "widget" or "mic"',
  'web.tool': 'a widget or mic session used a function tool',
  'call.graded': 'an AI grading run finished (may come twice: fast, then full grade)',
  'issue.reported': 'an issue report was filed, by a user or by grading',
  'test-call.completed': 'a test-call run finished',
};

/**
 * thunderphone-webhooks/testing: sign, build and deliver ThunderPhone events in your own tests.
 */
export { signPayload, type SignedHeaders } from './sign-payload.js';
export { sampleEvent, type SampleEvent } from './sample-event.js';
export { deliver, type DeliveryTarget, type DeliveryInput, type DeliverOptions, type DeliverResult } from './deliver.js';
export { sign } from '../core/signature.js';
export { KNOWN_EVENT_TYPES as SAMPLE_EVENT_TYPES, BLOCKING_EVENT_TYPES, type KnownEventType } from '../core/event-types.js';
export {
  sampleEnvelope,
  sampleData,
  newEventId,
  toWireBody,
  DeliveryError,
  type DeepPartial,
  type SampleOverrides,
  type DeliveryResult,
  type ReplyCheck,
  type LocalTarget,
  type WebHandler,
} from '../sender/index.js';

// Behaves like ThunderPhone sending a webhook: samples, wire format, delivery, verdict.
export { sampleEnvelope, sampleData, newEventId, SAMPLE_CALL_ID, SAMPLE_CALLER, SAMPLE_NUMBER, type DeepPartial, type SampleOverrides } from './samples.js';
export { toWireBody, deliveryHeaders, typeOfBody } from './wire.js';
export { sendDelivery, type SendOptions } from './deliver.js';
export { deliverLocal, type LocalTarget, type LocalDeliveryOptions, type WebHandler } from './deliver-local.js';
export { buildResult, type DeliveryResult, type ReplyCheck, type RawReply } from './result.js';
export { DeliveryError } from './errors.js';
export { BLOCKING_WAIT_MS, NON_BLOCKING_WAIT_MS, defaultTimeoutMs } from './timeouts.js';
export { composeEnvelope } from './compose.js';
export { reportDelivery, type DeliveryReport } from './report.js';
export { EVENT_DESCRIPTIONS } from './catalogue.js';
export { hideUrlCredentials, hasUrlCredentials } from './url-credentials.js';

export { getWebhook, setWebhookUrl, ensureWebhookUrl } from './webhook.js';
export type { WebhookConfig, EnsureWebhookOptions, EnsureWebhookResult, WebhookChange } from './webhook.js';
export { validateWebhookUrl } from './url.js';
export { ThunderPhoneApiError, isThunderPhoneApiError, type ApiErrorCode } from './errors.js';
export { DEFAULT_API_URL, type ApiOptions, type RetryInfo } from './config.js';
export {
  listWebhookEndpoints,
  createWebhookEndpoint,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
  ensureWebhookEndpoint,
  MAX_LABEL_LENGTH,
} from './endpoints.js';
export type {
  WebhookEndpoint,
  CreatedWebhookEndpoint,
  NewWebhookEndpoint,
  WebhookEndpointChanges,
  EnsureEndpointResult,
  EndpointChange,
} from './endpoints.js';
export { ENDPOINT_EVENT_TYPES, validateEndpointEvents, type EndpointEventType } from './event-names.js';

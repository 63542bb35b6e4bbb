export { getWebhook, setWebhookUrl, ensureWebhookUrl } from './webhook.js';
export type { WebhookConfig, EnsureWebhookOptions, EnsureWebhookResult, WebhookChange } from './webhook.js';
export { validateWebhookUrl } from './url.js';
export { ThunderPhoneApiError, isThunderPhoneApiError, type ApiErrorCode } from './errors.js';
export { DEFAULT_API_URL, type ApiOptions, type RetryInfo } from './config.js';

// A fresh fake ThunderPhone API for every test, with options pointing at it and a helper that
// expects a one-line ThunderPhoneApiError that does not quote the API key.
import { afterEach, beforeEach, expect } from 'vitest';
import { ThunderPhoneApiError, type ApiOptions } from '../../src/api/index.js';
import { startFakeApi, type FakeApi } from './fake-api.js';

export function useFakeApi() {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });
  return {
    get api(): FakeApi {
      return api;
    },
    /** Options pointing at the fake, with tiny backoff so retries stay fast; env is empty on purpose. */
    opts(extra: ApiOptions = {}): ApiOptions {
      return { baseUrl: api.url, apiKey: api.apiKey, retryDelayMs: 1, env: {}, ...extra };
    },
    async failure(promise: Promise<unknown>): Promise<ThunderPhoneApiError> {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ThunderPhoneApiError);
      const apiError = error as ThunderPhoneApiError;
      expect(apiError.message).not.toMatch(/\n/);
      expect(apiError.message).not.toContain(api.apiKey);
      return apiError;
    },
  };
}

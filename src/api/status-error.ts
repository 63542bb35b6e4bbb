import { ThunderPhoneApiError, type ApiErrorCode } from './errors.js';

interface Failed {
  status: number;
  method: string;
  path: string;
  attempts: number;
  detail: string | undefined;
}

/** Turns a non-2xx answer into a one-line error that says what to do about it. */
export function statusError({ status, method, path, attempts, detail }: Failed): ThunderPhoneApiError {
  const request = `${method} ${path}`;
  const tail = detail ? `: ${detail}` : '';
  const [code, message] = describe(status, request, attempts, tail);
  return new ThunderPhoneApiError(code, message, { status, method, path, attempts });
}

function describe(status: number, request: string, attempts: number, tail: string): [ApiErrorCode, string] {
  switch (status) {
    case 400:
      return ['bad_request', `ThunderPhone rejected ${request} (400)${tail}`];
    case 401:
      return ['unauthorized', `API key rejected (check THUNDERPHONE_API_KEY); ThunderPhone answered 401 to ${request}${tail}`];
    case 402:
      return ['payment_required', `ThunderPhone refused ${request} for insufficient balance (402)${tail}`];
    case 403:
      return [
        'forbidden',
        `the API key lacks permission for ${request} (403); managing the webhook needs a key of an admin or owner${tail}`,
      ];
    case 404:
      return ['not_found', `ThunderPhone answered 404 Not Found to ${request} (check THUNDERPHONE_API_URL)${tail}`];
    case 429:
      return ['rate_limited', `ThunderPhone rate-limited ${request} (429); wait and try again${tail}`];
  }
  if (status >= 500) {
    return ['server_error', `ThunderPhone server error ${status} on ${request} after ${plural(attempts)}${tail}`];
  }
  if (status >= 300 && status < 400) {
    return ['invalid_response', `ThunderPhone answered ${request} with a redirect (${status}); check THUNDERPHONE_API_URL`];
  }
  return ['client_error', `ThunderPhone answered ${status} to ${request}${tail}`];
}

export function plural(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

const MAX_DETAIL = 300;

/**
 * The human part of an error body, as one short line: `{"detail": "..."}`, or DRF-style
 * field errors such as `{"url": ["Enter a valid URL."]}`. Anything that looks like the API
 * key or a webhook secret is blanked, in case a server ever echoes it.
 */
export function errorDetail(bodyText: string, apiKey: string): string | undefined {
  const raw = extractDetail(bodyText);
  if (raw === undefined) return undefined;
  const safe = raw
    .split(apiKey)
    .join('[redacted]')
    .replace(/whsec_[A-Za-z0-9+/=_-]+/g, 'whsec_[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  if (safe === '') return undefined;
  return safe.length > MAX_DETAIL ? `${safe.slice(0, MAX_DETAIL - 1)}…` : safe;
}

function extractDetail(bodyText: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined; // an HTML error page from a proxy says nothing useful
  }
  if (typeof body === 'string') return body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.detail === 'string') return record.detail;
  const fields = Object.entries(record)
    .map(([field, value]) => {
      const messages = Array.isArray(value) ? value.filter((m) => typeof m === 'string') : typeof value === 'string' ? [value] : [];
      return messages.length > 0 ? `${field}: ${messages.join(' ')}` : undefined;
    })
    .filter((line): line is string => line !== undefined);
  return fields.length > 0 ? fields.join('; ') : undefined;
}

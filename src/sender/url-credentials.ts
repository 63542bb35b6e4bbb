// scheme://userinfo@ : the userinfo runs to the last "@" before the first "/", "?" or "#".
const USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/;

/**
 * `text` with any `user:password@` of a URL replaced by `[redacted]@`, for showing a URL in a
 * message or log. Works on text, so a URL that does not even parse is covered too.
 */
export function hideUrlCredentials(text: string): string {
  return text.replace(USERINFO, '$1[redacted]@');
}

/** True when `url` carries a user name or a password. */
export function hasUrlCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

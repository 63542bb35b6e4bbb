const URL_PATTERN = /\bhttps?:\/\/[^\s"'<>|`\\]+/g;

// Links tunnel CLIs print beside the tunnel's own URL (terms of service, docs, dashboards).
const NOT_TUNNEL_HOSTS = new Set([
  'cloudflare.com',
  'www.cloudflare.com',
  'developers.cloudflare.com',
  'dash.cloudflare.com',
  'github.com',
  'ngrok.com',
  'dashboard.ngrok.com',
  'localtunnel.me',
]);

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0']);

/**
 * The tunnel's public URL in one line of a tunnel CLI's output, if there is one: the first bare
 * origin (no path, no query: tunnel URLs are, docs and dashboard links are not) that is neither a
 * link to the tool's own site nor the local address being forwarded (which such tools echo, e.g.
 * "--url http://localhost:3000"). For anything else, `--public-url` says it outright.
 */
export function findPublicUrl(line: string, localPort: number): string | undefined {
  for (const match of line.matchAll(URL_PATTERN)) {
    const text = match[0].replace(/[.,;:)\]}]+$/, '');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      continue;
    }
    if (url.pathname.replace(/\/+$/, '') !== '' || url.search !== '' || url.hash !== '') continue;
    if (NOT_TUNNEL_HOSTS.has(url.hostname.toLowerCase())) continue;
    if (LOCAL_HOSTS.has(url.hostname.toLowerCase()) && url.port === String(localPort)) continue;
    return url.origin;
  }
  return undefined;
}

/**
 * Normalises a Nextcloud base URL the way the backend allow-list compares them: a trailing `/`, the
 * Talk OCS path cut off, and the scheme's default port dropped. Returns undefined for a string that
 * is not an absolute http(s) URL.
 */
export function canonicalBackendUrl(raw: string): string | undefined {
  // Every hello names its backend; the same few URLs arrive over and over.
  const known = recent.get(raw);
  if (known !== undefined) {
    return known === '' ? undefined : known;
  }
  const result = canonicalise(raw);
  if (recent.size >= RECENT_LIMIT) {
    recent.clear();
  }
  recent.set(raw, result ?? '');
  return result;
}

/** Results of recent calls (`''` for "not a backend URL"); cleared when full. */
const recent = new Map<string, string>();
const RECENT_LIMIT = 256;

function canonicalise(raw: string): string | undefined {
  let text = raw.endsWith('/') ? raw : `${raw}/`;
  const ocs = text.indexOf('ocs/v2.php/apps/spreed/');
  if (ocs !== -1) {
    text = text.slice(0, ocs);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return undefined;
  }
  // WHATWG URL already drops default ports and lower-cases scheme and host.
  url.search = '';
  url.hash = '';
  return url.toString();
}

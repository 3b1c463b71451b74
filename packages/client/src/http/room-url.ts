import { ClientError } from '../util/client-error.js';

/** A Talk conversation link split into the Nextcloud base URL and the conversation token. */
export interface RoomUrl {
  /** Nextcloud base URL with trailing slash, e.g. `https://cloud.example.com/nextcloud/`. */
  baseUrl: string;
  /** The conversation token, e.g. `erwcr27x`. */
  token: string;
  /** The public conversation page as given (without query and fragment). */
  pageUrl: string;
}

const CALL_PATH = /^(.*?\/)(?:index\.php\/)?call\/([A-Za-z0-9]+)\/?$/;

/**
 * Parses a conversation link such as `https://host/call/TOKEN`,
 * `https://host/index.php/call/TOKEN` or `https://host/nextcloud/index.php/call/TOKEN`.
 * Throws `ClientError('wrong_url')` for anything else.
 */
export function parseRoomUrl(input: string): RoomUrl {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch (cause) {
    throw new ClientError('wrong_url', `not a URL: ${JSON.stringify(input)}`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ClientError(
      'wrong_url',
      `the room URL must start with https:// (got ${url.protocol})`,
    );
  }
  const match = CALL_PATH.exec(url.pathname);
  if (match === null) {
    throw new ClientError(
      'wrong_url',
      `not a Talk conversation link: ${url.href} (expected https://HOST/call/TOKEN)`,
    );
  }
  const [, prefix = '/', token = ''] = match;
  const base = new URL(prefix, url.origin);
  const page = new URL(url.pathname, url.origin);
  return { baseUrl: base.href, token, pageUrl: page.href };
}

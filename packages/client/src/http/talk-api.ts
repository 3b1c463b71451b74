import { ClientError } from '../util/client-error.js';
import { isObject } from '../util/json.js';
import type { OcsClient, OcsResponse } from './ocs-client.js';
import {
  parseSignalingSettings,
  parseTalkCapabilities,
  parseTalkRoom,
  type SignalingSettings,
  type TalkCapabilities,
  type TalkRoom,
} from './talk-types.js';

const SPREED = 'ocs/v2.php/apps/spreed/api';

/** Options of a call join (`POST v4/call/{token}`). */
export interface JoinCallOptions {
  /** Don't notify the other participants; default false. */
  silent?: boolean;
  /** Consent to a recording, where the server requires it; default false. */
  recordingConsent?: boolean;
}

/** The `error` field of an OCS error body (`{error: "password"}`), if any. */
export function ocsErrorOf(response: OcsResponse): string | undefined {
  const data = response.data;
  return isObject(data) && typeof data.error === 'string' ? data.error : undefined;
}

/**
 * The Talk OCS endpoints a client needs for one conversation, each turning Talk's statuses into a
 * {@link ClientError} with the reason a person can act on. Chat lives in `ChatApi`.
 */
export class TalkApi {
  readonly ocs: OcsClient;
  readonly token: string;
  /** The room object of the last join or refresh (used to explain 403s). */
  room: TalkRoom | undefined;
  /** The logged-in user's display name, from the room page (`data-user-displayname`). */
  userDisplayName: string | undefined;

  constructor(ocs: OcsClient, token: string) {
    this.ocs = ocs;
    this.token = token;
  }

  /**
   * Loads the public conversation page for the session cookies and the request token. A 404 means
   * the conversation does not exist or is not visible to this user.
   */
  async loadRoomPage(pageUrl: string, signal?: AbortSignal): Promise<void> {
    const page = await this.ocs.page(pageUrl, signal);
    if (page.status === 404) {
      throw new ClientError('room_not_found', `conversation ${this.token} not found (HTTP 404)`, {
        status: 404,
      });
    }
    if (page.status === 401) {
      throw new ClientError('unauthorized', 'wrong user name or app password (HTTP 401)', {
        status: 401,
      });
    }
    if (page.status >= 400) {
      throw new ClientError('server_error', `loading ${page.url} failed with HTTP ${page.status}`, {
        status: page.status,
      });
    }
    const match = /data-requesttoken="([^"]*)"/.exec(page.text);
    if (match === null) {
      throw new ClientError(
        'not_talk',
        `${page.url} is not a Nextcloud page (no request token); check the room URL`,
      );
    }
    this.ocs.requestToken = decodeHtml(match[1] ?? '');
    const name = /data-user-displayname="([^"]*)"/.exec(page.text)?.[1];
    if (name !== undefined && name !== '') {
      this.userDisplayName = decodeHtml(name);
    }
  }

  /** `GET /ocs/v2.php/cloud/capabilities`; rejects with `not_talk` when Talk is not installed. */
  async capabilities(signal?: AbortSignal): Promise<TalkCapabilities> {
    const r = await this.#request({ method: 'GET', path: 'ocs/v2.php/cloud/capabilities' }, signal);
    if (r.status === 401) {
      throw unauthorized();
    }
    const caps = r.status === 200 ? parseTalkCapabilities(r.data) : undefined;
    if (caps === undefined) {
      throw new ClientError('not_talk', `${this.ocs.baseUrl} has no Talk app (capabilities)`, {
        status: r.status,
      });
    }
    return caps;
  }

  /**
   * `POST v4/room/{token}/participants/active` with `force: true`: joins the conversation and
   * returns the room object whose `sessionId` is this client's Talk session. Call it once per
   * connection: a second call ends the first Talk session (and its signaling presence).
   */
  async joinConversation(password?: string, signal?: AbortSignal): Promise<TalkRoom> {
    const body: Record<string, unknown> = { force: true };
    if (password !== undefined) {
      body.password = password;
    }
    const path = `${SPREED}/v4/room/${this.token}/participants/active`;
    const r = await this.#request({ method: 'POST', path, body }, signal);
    if (r.status === 403) {
      const error = ocsErrorOf(r);
      if (error === 'ban') {
        throw new ClientError('banned', `you are banned from conversation ${this.token}`, {
          status: 403,
        });
      }
      if (password === undefined || password === '') {
        throw new ClientError(
          'password_required',
          `conversation ${this.token} is password protected; pass a password`,
          { status: 403 },
        );
      }
      throw new ClientError('wrong_password', `wrong password for conversation ${this.token}`, {
        status: 403,
      });
    }
    this.#throwCommon(r, 'join the conversation');
    this.room = parseTalkRoom(r.data);
    if (this.room.sessionId === '0' || this.room.sessionId === '') {
      throw new ClientError('server_error', 'the server returned no Talk session id');
    }
    return this.room;
  }

  /** `DELETE v4/room/{token}/participants/active`: ends the Talk session (guests are removed). */
  async leaveConversation(signal?: AbortSignal): Promise<void> {
    const path = `${SPREED}/v4/room/${this.token}/participants/active`;
    const r = await this.#request({ method: 'DELETE', path }, signal);
    if (r.status !== 404) {
      this.#throwCommon(r, 'leave the conversation');
    }
  }

  /** `GET v4/room/{token}`: refreshes {@link room}. */
  async getRoom(signal?: AbortSignal): Promise<TalkRoom> {
    const r = await this.#request(
      { method: 'GET', path: `${SPREED}/v4/room/${this.token}` },
      signal,
    );
    this.#throwCommon(r, 'read the conversation');
    this.room = parseTalkRoom(r.data);
    return this.room;
  }

  /** `POST v1/guest/{token}/name` (guests only; after joining, with the same cookies). */
  async setGuestName(displayName: string, signal?: AbortSignal): Promise<void> {
    const path = `${SPREED}/v1/guest/${this.token}/name`;
    const r = await this.#request({ method: 'POST', path, body: { displayName } }, signal);
    if (r.status === 403) {
      throw new ClientError('invalid_state', 'only guests can set a guest name', { status: 403 });
    }
    this.#throwCommon(r, 'set the guest name');
  }

  /** `GET v3/signaling/settings?token=`: fetch right before each fresh hello (the JWT lives ~60 s). */
  async signalingSettings(signal?: AbortSignal): Promise<SignalingSettings> {
    const r = await this.#request(
      {
        method: 'GET',
        path: `${SPREED}/v3/signaling/settings`,
        query: { token: this.token },
      },
      signal,
    );
    this.#throwCommon(r, 'get the signaling settings');
    return parseSignalingSettings(r.data);
  }

  /**
   * `POST v4/call/{token}` with in-call `flags` (1 in call, 2 audio, 4 video). Only call this after
   * the signaling room join was acknowledged: Talk tells the signaling server about the call right
   * away, and a server that cannot map our Talk session to a signaling session yet drops it.
   */
  async joinCall(
    flags: number,
    options: JoinCallOptions = {},
    signal?: AbortSignal,
  ): Promise<void> {
    const body = {
      flags,
      silent: options.silent ?? false,
      recordingConsent: options.recordingConsent ?? false,
      silentFor: [],
    };
    const r = await this.#request(
      { method: 'POST', path: `${SPREED}/v4/call/${this.token}`, body },
      signal,
    );
    if (r.status === 400 && ocsErrorOf(r) === 'consent') {
      throw new ClientError('consent_required', 'this call requires consent to be recorded', {
        status: 400,
      });
    }
    this.#throwForbidden(r, 'join the call');
    this.#throwCommon(r, 'join the call');
  }

  /** `PUT v4/call/{token}`: changes the in-call flags (must include 1). */
  async updateCall(flags: number, signal?: AbortSignal): Promise<void> {
    const r = await this.#request(
      { method: 'PUT', path: `${SPREED}/v4/call/${this.token}`, body: { flags } },
      signal,
    );
    if (r.status === 400) {
      throw ClientError.invalidState('not in the call (or flags without IN_CALL)');
    }
    this.#throwCommon(r, 'update the call flags');
  }

  /** `DELETE v4/call/{token}`; `all` (moderators) ends the call for everyone. */
  async leaveCall(all = false, signal?: AbortSignal): Promise<void> {
    const r = await this.#request(
      { method: 'DELETE', path: `${SPREED}/v4/call/${this.token}`, body: { all } },
      signal,
    );
    if (r.status !== 404) {
      this.#throwCommon(r, 'leave the call');
    }
  }

  #request(
    req: Parameters<OcsClient['request']>[0],
    signal: AbortSignal | undefined,
  ): Promise<OcsResponse> {
    return this.ocs.request(signal === undefined ? req : { ...req, signal });
  }

  /** 403 of call and chat endpoints: read-only conversation or a missing permission. */
  #throwForbidden(r: OcsResponse, action: string): void {
    if (r.status !== 403) {
      return;
    }
    if (this.room?.readOnly === true) {
      throw new ClientError('read_only', `cannot ${action}: the conversation is read-only`, {
        status: 403,
      });
    }
    throw new ClientError('no_permission', `not allowed to ${action} (missing permission)`, {
      status: 403,
    });
  }

  #throwCommon(r: OcsResponse, action: string): void {
    if (r.status >= 200 && r.status < 300) {
      return;
    }
    throw statusError(r, action, this.token, this.room !== undefined);
  }

  /** Maps a status shared by all endpoints (used by ChatApi too). */
  throwForStatus(r: OcsResponse, action: string): void {
    this.#throwForbidden(r, action);
    this.#throwCommon(r, action);
  }
}

function unauthorized(): ClientError {
  return new ClientError('unauthorized', 'wrong user name or app password (HTTP 401)', {
    status: 401,
  });
}

function statusError(r: OcsResponse, action: string, token: string, joined: boolean): ClientError {
  const status = r.status;
  const error = ocsErrorOf(r);
  if (status === 401) {
    return unauthorized();
  }
  if (status === 404) {
    return joined
      ? new ClientError(
          'not_participant',
          `cannot ${action}: the server no longer knows this participant (session ended or removed)`,
          { status },
        )
      : new ClientError('room_not_found', `conversation ${token} not found (HTTP 404)`, { status });
  }
  if (status === 412) {
    if (error === 'lobby' || !isObject(r.data) || r.data.message === undefined) {
      return new ClientError('lobby', `cannot ${action}: the conversation lobby is active`, {
        status,
      });
    }
    return new ClientError('server_error', `cannot ${action}: CSRF check failed (HTTP 412)`, {
      status,
    });
  }
  if (status === 413) {
    return new ClientError('message_too_long', 'the message is too long', { status });
  }
  if (status === 403) {
    return new ClientError('no_permission', `not allowed to ${action} (HTTP 403)`, { status });
  }
  return new ClientError(
    'server_error',
    `cannot ${action}: HTTP ${status}${error === undefined ? '' : ` (${error})`}`,
    { status },
  );
}

function decodeHtml(text: string): string {
  return text.replace(/&#(\d+);|&quot;|&amp;|&lt;|&gt;|&#x([0-9a-f]+);/gi, (m, dec, hex) => {
    if (dec !== undefined) {
      return String.fromCharCode(Number(dec));
    }
    if (hex !== undefined) {
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    return { '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>' }[m.toLowerCase()] ?? m;
  });
}

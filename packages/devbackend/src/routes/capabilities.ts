import { createHash } from 'node:crypto';
import { send, sendOcs } from '../http/ocs.js';
import type { RequestContext } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { MAX_CHAT_LENGTH } from '../model/constants.js';
import type { RouteDeps } from './route-deps.js';

/** Talk's feature list (Talk `Capabilities::FEATURES`, recent version). */
const TALK_FEATURES = [
  'audio',
  'video',
  'chat-v2',
  'conversation-v4',
  'guest-signaling',
  'empty-group-room',
  'guest-display-names',
  'multi-room-users',
  'favorites',
  'last-room-activity',
  'no-ping',
  'system-messages',
  'delete-messages',
  'mention-flag',
  'in-call-flags',
  'conversation-call-flags',
  'notification-levels',
  'invite-groups-and-mails',
  'locked-one-to-one-rooms',
  'read-only-rooms',
  'listable-rooms',
  'chat-read-marker',
  'chat-unread',
  'webinary-lobby',
  'start-call-flag',
  'chat-replies',
  'circles-support',
  'force-mute',
  'sip-support',
  'sip-support-nopin',
  'chat-read-status',
  'phonebook-search',
  'raise-hand',
  'room-description',
  'rich-object-sharing',
  'temp-user-avatar-api',
  'geo-location-sharing',
  'voice-message-sharing',
  'signaling-v3',
  'publishing-permissions',
  'clear-history',
  'direct-mention-flag',
  'notification-calls',
  'conversation-permissions',
  'rich-object-list-media',
  'rich-object-delete',
  'unified-search',
  'chat-permission',
  'silent-send',
  'silent-call',
  'send-call-notification',
  'talk-polls',
  'breakout-rooms-v1',
  'recording-v1',
  'avatar',
  'chat-get-context',
  'single-conversation-status',
  'chat-keep-notifications',
  'typing-privacy',
  'remind-me-later',
  'bots-v1',
  'markdown-messages',
  'media-caption',
  'session-state',
  'note-to-self',
  'recording-consent',
  'sip-support-dialout',
  'delete-messages-unlimited',
  'edit-messages',
  'silent-send-state',
  'chat-read-last',
  'federation-v1',
  'federation-v2',
  'ban-v1',
  'chat-reference-id',
  'mention-permissions',
  'edit-messages-note-to-self',
  'archived-conversations-v2',
  'talk-polls-drafts',
  'download-call-participants',
  'email-csv-import',
  'conversation-creation-password',
  'call-notification-state-api',
  'schedule-meeting',
  'edit-draft-poll',
  'conversation-creation-all',
  'important-conversations',
  'unbind-conversation',
  'sip-direct-dialin',
  'dashboard-event-rooms',
  'mutual-calendar-events',
  'upcoming-reminders',
  'sensitive-conversations',
  'threads',
];

const LOCAL_FEATURES = ['favorites', 'chat-read-status', 'listable-rooms', 'avatar'];

/** Builds the `spreed` capabilities for a user (or a guest with undefined). */
export function spreedCapabilities(deps: RouteDeps, userId: string | undefined): unknown {
  const { settings } = deps;
  const external = settings.signalingUrl() !== undefined;
  const features = TALK_FEATURES.filter((f) => settings.signalingV3 || f !== 'signaling-v3');
  features.push('reactions');
  if (external) {
    features.push('call-end-to-end-encryption');
  }
  return {
    features,
    'features-local': LOCAL_FEATURES,
    config: {
      attachments: { allowed: userId !== undefined },
      call: {
        enabled: true,
        'breakout-rooms': true,
        recording: false,
        'recording-consent': 0,
        'supported-reactions': [
          '❤️',
          '🎉',
          '👏',
          '👋',
          '👍',
          '👎',
          '🔥',
          '😂',
          '🤩',
          '🤔',
          '😲',
          '😥',
        ],
        'predefined-backgrounds': [],
        'predefined-backgrounds-v2': [],
        'can-upload-background': false,
        'sip-enabled': false,
        'sip-dialout-enabled': false,
        'can-enable-sip': false,
        'start-without-media': false,
        'max-duration': 0,
        'blur-virtual-background': false,
        'end-to-end-encryption': false,
        'live-transcription': false,
      },
      chat: {
        'max-length': MAX_CHAT_LENGTH,
        'read-privacy': 0,
        'has-translation-providers': false,
        'has-translation-task-providers': false,
        'typing-privacy': 0,
        'summary-threshold': 100,
      },
      conversations: {
        'can-create': userId !== undefined,
        'force-passwords': false,
        'list-style': 'two-lines',
        'description-length': 2000,
        'retention-event': 28,
        'retention-phone': 7,
        'retention-instant-meetings': 1,
      },
      federation: {
        enabled: false,
        'incoming-enabled': false,
        'outgoing-enabled': false,
        'only-trusted-servers': true,
      },
      previews: { 'max-gif-size': 3145728 },
      signaling: {
        'session-ping-limit': 200,
        'hello-v2-token-key': deps.signer.publicKey,
      },
      experiments: { enabled: 0 },
    },
    'config-local': {
      attachments: ['allowed', 'folder'],
      call: ['predefined-backgrounds', 'predefined-backgrounds-v2', 'can-upload-background'],
      chat: ['read-privacy', 'has-translation-providers', 'typing-privacy'],
      conversations: ['can-create', 'list-style', 'description-length'],
      federation: ['enabled', 'incoming-enabled', 'outgoing-enabled', 'only-trusted-servers'],
      previews: ['max-gif-size'],
      signaling: ['session-ping-limit', 'hello-v2-token-key'],
      experiments: ['enabled'],
    },
    version: settings.talkVersion,
  };
}

function handleCapabilities(deps: RouteDeps, ctx: RequestContext): void {
  if (ctx.authFailed) {
    sendOcs(ctx.res, 401, [], {});
    return;
  }
  const [major = 0, minor = 0, micro = 0] = deps.settings.nextcloudVersion
    .split('.')
    .map((n) => Number(n));
  const data = {
    version: {
      major,
      minor,
      micro,
      string: deps.settings.nextcloudVersion,
      edition: '',
      extendedSupport: false,
    },
    capabilities: {
      core: {
        pollinterval: 60,
        'webdav-root': 'remote.php/webdav',
        'reference-api': true,
        'reference-regex':
          '(\\s|\\n|^)(https?:\\/\\/)([-A-Z0-9+_.]+(?::[0-9]+)?(?:\\/[-A-Z0-9+&@#%?=~_|!:,.;()]*)*)(\\s|\\n|$)',
        'mod-rewrite-working': false,
      },
      spreed: spreedCapabilities(deps, ctx.userId),
    },
  };
  // Nextcloud's OCS controller tags the capabilities with an ETag of their JSON.
  const etag = `"${createHash('md5').update(JSON.stringify(data)).digest('hex')}"`;
  const headers = { ETag: etag, 'Cache-Control': deps.settings.capabilitiesCacheControl };
  const ifNoneMatch = ctx.req.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string' && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
    send(ctx.res, 304, '', headers);
    return;
  }
  sendOcs(ctx.res, 200, data, headers);
}

/** `GET /ocs/v2.php/cloud/capabilities` (public, no CSRF check). */
export function registerCapabilities(router: Router, deps: RouteDeps): void {
  router.add('GET', '/ocs/v2.php/cloud/capabilities', (ctx) => handleCapabilities(deps, ctx));
}

import type { ChatMessage, RichObjectParameter } from './http/talk-types.js';

// Talk's placeholders: `{actor}`, `{user1}`, `{mention-user1}`, `{file}` … Parameter keys are
// limited to letters, digits, `-` and `_` (Talk's UserMention parser keeps them that way).
const PLACEHOLDER = /\{([A-Za-z0-9_-]+)\}/g;

/** Mention objects Talk creates from `@…` in a message (see `renderRichObject`). */
const MENTION_TYPES = new Set(['user', 'guest', 'email', 'user-group', 'group', 'circle', 'call']);

/**
 * Plain text for one rich object: its `name` (else its `id`). Mentions — placeholders named
 * `mention-…` (`mention-user1`, `mention-guest1`, `mention-group1`, `mention-call1` for `@all`,
 * `mention-federated-user1`, `mention-team1` …) — get an `@` in front, as Talk's clients show them.
 * Everything else (`actor`, `user`, `file`, `call`, `highlight`, `deck-card`, `geo-location`,
 * `talk-poll` …) is shown by name.
 */
export function renderRichObject(key: string, parameter: RichObjectParameter): string {
  const name = parameter.name !== '' ? parameter.name : parameter.id;
  if (key.startsWith('mention-') && MENTION_TYPES.has(parameter.type)) {
    return `@${name}`;
  }
  return name;
}

/**
 * Replaces the `{placeholders}` of a Talk rich object string with their parameters' text. A
 * placeholder without a parameter stays as it is (Talk's clients do the same).
 */
export function renderRichText(
  text: string,
  parameters: Readonly<Record<string, RichObjectParameter>>,
): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => {
    const parameter = Object.hasOwn(parameters, key) ? parameters[key] : undefined;
    return parameter === undefined ? whole : renderRichObject(key, parameter);
  });
}

/** A chat message's text with its placeholders rendered: `* {actor} started a call` → `Alice started a call`. */
export function renderChatMessage(
  message: Pick<ChatMessage, 'message' | 'messageParameters'>,
): string {
  return renderRichText(message.message, message.messageParameters);
}

import { type EventEmitter, type EventMap, emitContained } from './event-emitter.js';

/**
 * Emits to user listeners without letting a throwing listener break the client's own state
 * machine: the exception is reported through `onListenerError` (or dropped) and emitting goes on.
 * `once` listeners are removed before they run, as with `emit`.
 */
export function safeEmit<T extends EventMap<T>, K extends keyof T & string>(
  emitter: EventEmitter<T>,
  onListenerError: ((error: unknown) => void) | undefined,
  event: K,
  ...args: T[K]
): void {
  emitter[emitContained](onListenerError, event, args);
}

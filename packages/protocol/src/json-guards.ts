import type { JsonObject } from './client-messages.js';
import { ProtocolError } from './errors.js';

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an optional string field; throws when present with another type. */
export function optString(obj: JsonObject, key: string, where: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new ProtocolError(`${where}.${key} must be a string`);
  }
  return value;
}

/** Reads a string field, treating absence as the empty string. */
export function str(obj: JsonObject, key: string, where: string): string {
  return optString(obj, key, where) ?? '';
}

/**
 * Reads an optional integer field; throws when present with another type, or beyond ±(2^53 − 1),
 * where a JSON number no longer holds every integer and the value would silently change.
 */
export function optInt(obj: JsonObject, key: string, where: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ProtocolError(`${where}.${key} must be an integer`);
  }
  return value;
}

/** Reads an optional unsigned 32-bit integer field (upstream's `uint32`, such as flags). */
export function optUint32(obj: JsonObject, key: string, where: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new ProtocolError(`${where}.${key} must be an integer from 0 to 4294967295`);
  }
  return value;
}

/** Reads an optional object field; throws when present with another type. */
export function optObject(obj: JsonObject, key: string, where: string): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isObject(value)) {
    throw new ProtocolError(`${where}.${key} must be an object`);
  }
  return value;
}

/** Reads a required object field. */
export function reqObject(obj: JsonObject, key: string, where: string): JsonObject {
  const value = optObject(obj, key, where);
  if (value === undefined) {
    throw new ProtocolError(`${where}.${key} missing`);
  }
  return value;
}

/** Reads an optional array of strings. */
export function optStringArray(obj: JsonObject, key: string, where: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ProtocolError(`${where}.${key} must be an array of strings`);
  }
  return value as string[];
}

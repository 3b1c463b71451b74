import { isObject, type JsonObject } from '@spreed-ts/protocol';

export { isObject, type JsonObject };

/** A string field, or `fallback` when absent or of another type. */
export function strField(obj: JsonObject, key: string, fallback = ''): string {
  const value = obj[key];
  return typeof value === 'string' ? value : fallback;
}

/** An optional string field. */
export function optStr(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}

/** A numeric field (numbers and numeric strings, as PHP sometimes sends), or `fallback`. */
export function numField(obj: JsonObject, key: string, fallback = 0): number {
  const value = obj[key];
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  if (typeof value === 'boolean') {
    return value ? 1 : 0;
  }
  return fallback;
}

/** A boolean field (true/false, 1/0), or `fallback`. */
export function boolField(obj: JsonObject, key: string, fallback = false): boolean {
  const value = obj[key];
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'number') {
    return value !== 0;
  }
  return fallback;
}

/** An object field, or undefined. */
export function objField(obj: JsonObject, key: string): JsonObject | undefined {
  const value = obj[key];
  return isObject(value) ? value : undefined;
}

import { Prng } from '@spreed-ts/testkit';

export { Prng };

const ODD_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  'null',
  'true',
  '__proto__',
  'constructor',
  'hello',
  'room',
  'session',
  'internal',
  'client',
  '1.0',
  '2.0',
  '3.0',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\ud800',
  '😀'.repeat(3),
  'a'.repeat(300),
  'https://evil.invalid/',
  '{"a":1}',
];

/** A random JSON value, nested at most `depth` levels. */
export function randomValue(rng: Prng, depth = 3): unknown {
  switch (rng.int(depth > 0 ? 9 : 6)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2]);
    case 3:
    case 4:
      return rng.pick(ODD_STRINGS);
    case 5:
      return String.fromCharCode(...Array.from({ length: rng.int(20) }, () => rng.int(0x3000)));
    case 6:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth - 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) {
        object[rng.pick(['type', 'id', 'roomid', 'sessionid', 'data', 'x', '__proto__'])] =
          randomValue(rng, depth - 1);
      }
      return object;
    }
  }
}

/** Paths to every object/array member of `value`. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      paths((value as Record<string, unknown>)[key], path, out);
    }
  }
  return out;
}

/** The container holding the member at `path`, if the path still exists. */
function parentOf(
  root: unknown,
  path: (string | number)[],
): Record<string | number, unknown> | undefined {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) {
      return undefined;
    }
    node = (node as Record<string | number, unknown>)[key];
  }
  return typeof node === 'object' && node !== null
    ? (node as Record<string | number, unknown>)
    : undefined;
}

/** A structural mutation of a JSON value: replace, delete, retype or add one member. */
export function mutateValue(rng: Prng, seed: unknown): unknown {
  const copy = structuredClone(seed);
  const all = paths(copy);
  if (all.length === 0) {
    return randomValue(rng);
  }
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const path = rng.pick(all);
    const parent = parentOf(copy, path);
    const key = path[path.length - 1] as string | number;
    if (parent === undefined || !(key in parent)) {
      continue;
    }
    switch (rng.int(4)) {
      case 0:
        parent[key] = randomValue(rng);
        break;
      case 1:
        if (Array.isArray(parent)) {
          parent.splice(Number(key), 1);
        } else {
          delete parent[key];
        }
        break;
      case 2: {
        const value = parent[key];
        parent[key] =
          typeof value === 'string'
            ? rng.pick([Number(value) || 1, [value], { value }, null])
            : typeof value === 'object' && value !== null
              ? rng.pick([JSON.stringify(value), [], 0])
              : String(value);
        break;
      }
      default:
        if (!Array.isArray(parent)) {
          parent[rng.pick(['extra', 'type', 'id', 'auth', 'params'])] = randomValue(rng);
        }
    }
  }
  return copy;
}

/** A textual mutation of serialised JSON: truncation, byte flips, insertions, deep nesting. */
export function mutateText(rng: Prng, text: string): string {
  switch (rng.int(6)) {
    case 0:
      return text.slice(0, rng.int(text.length + 1));
    case 1: {
      const chars = [...text];
      for (let n = 1 + rng.int(4); n > 0 && chars.length > 0; n--) {
        chars[rng.int(chars.length)] = String.fromCharCode(rng.int(128));
      }
      return chars.join('');
    }
    case 2: {
      const at = rng.int(text.length + 1);
      return (
        text.slice(0, at) +
        rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\\u12', 'null']) +
        text.slice(at)
      );
    }
    case 3: {
      const depth = 1 + rng.int(20_000);
      return rng.chance(0.5)
        ? `${'['.repeat(depth)}${']'.repeat(depth)}`
        : `{"type":"message","message":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    }
    case 4:
      return String.fromCharCode(...Array.from({ length: rng.int(200) }, () => rng.int(0xffff)));
    default:
      return `${text}${text}`;
  }
}

/**
 * Text of a value built to hurt: nested to just around the server's depth limit or far past it,
 * very wide, or very long. As text, because serialising the deepest of them would overflow the
 * test's own stack.
 */
export function hostileValueText(rng: Prng, limit: number): string {
  switch (rng.int(6)) {
    case 0: {
      const depth = rng.pick([
        limit - 3,
        limit - 2,
        limit - 1,
        limit,
        limit + 1,
        1_000,
        5_000,
        25_000,
      ]);
      return `${'['.repeat(depth)}${rng.pick(['', '1', '"x"', '{}'])}${']'.repeat(depth)}`;
    }
    case 1: {
      const depth = rng.pick([limit - 2, limit, 3_000, 12_000]);
      return `${'{"a":'.repeat(depth)}null${'}'.repeat(depth)}`;
    }
    case 2:
      return JSON.stringify(Array.from({ length: rng.pick([1_000, 10_000, 30_000]) }, () => 0));
    case 3:
      return JSON.stringify(
        Object.fromEntries(Array.from({ length: rng.pick([500, 5_000]) }, (_, i) => [`k${i}`, i])),
      );
    case 4:
      return JSON.stringify(
        rng.pick(['x', '\\', '"', '😀', '\u0000']).repeat(rng.pick([1_000, 20_000, 70_000])),
      );
    default:
      return rng.pick(['1e400', '-0', `1${'0'.repeat(5_000)}`, '123456789012345678901234567890']);
  }
}

const MARKER = '\u0001hostile\u0001';

/** `seed` serialised with one of its members (or the whole of it) replaced by a hostile value. */
export function plantHostile(rng: Prng, seed: unknown, limit: number): string {
  const copy = structuredClone(seed);
  const all = paths(copy);
  const hostile = hostileValueText(rng, limit);
  if (all.length === 0) {
    return hostile;
  }
  const path = rng.pick(all);
  const parent = parentOf(copy, path);
  const key = path[path.length - 1] as string | number;
  if (parent === undefined) {
    return hostile;
  }
  parent[key] = MARKER;
  return JSON.stringify(copy).replace(JSON.stringify(MARKER), () => hostile);
}

/** `seed` serialised once per member, with that member replaced by `text` each time. */
export function plantEverywhere(seed: unknown, text: string): string[] {
  return paths(seed).map((path) => {
    const copy = structuredClone(seed);
    const parent = parentOf(copy, path) as Record<string | number, unknown>;
    parent[path[path.length - 1] as string | number] = MARKER;
    return JSON.stringify(copy).replace(JSON.stringify(MARKER), () => text);
  });
}

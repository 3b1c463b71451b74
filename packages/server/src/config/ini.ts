/**
 * Reader for the INI dialect of upstream's `server.conf`. Upstream parses it with the Go package
 * dlintw/goconf; the rules below reproduce that package's reader so existing files mean the same:
 *
 * - Lines are split on `\n` and trimmed; blank lines are skipped.
 * - A line whose first character is `#` or `;`, or whose first three characters are `rem` in any
 *   case, is a comment. (The `rem` rule is goconf's nod to Windows; it also swallows an option line
 *   such as `remote = x`.)
 * - A line that starts with `[` and ends with `]` opens a section; the name between the brackets is
 *   trimmed. A trailing comment after `]` therefore makes the line something else.
 * - Otherwise the first `=` or `:` splits option name and value, if it is not the first character.
 *   Names of sections and options are case-insensitive (stored lower-cased); values keep their case.
 * - An inline comment starts at a `;` or `#` preceded by a space or a tab; `a#b` keeps its `#`.
 * - Quotes have no meaning: they stay part of the value.
 * - A later value for the same option replaces the earlier one; a repeated section is merged.
 * - Options before the first section header belong to the section `default`.
 * - A line without `=`/`:` that follows an option line continues that option's value (joined with
 *   `\n`); anywhere else it is a syntax error.
 * - `%(name)s` in a value is replaced by option `name` of the same section or of `default`
 *   (see {@link getValue}); upstream never falls back to `default` for a plain lookup.
 *
 * Environment references `$(VAR)` are a separate, later step of upstream's own code (see
 * {@link expandEnv}) and only apply to some options.
 */
import { ConfigError } from './server-config.js';

/** The name of the section that holds options written before any section header. */
export const DEFAULT_SECTION = 'default';

/** A parsed INI file. */
export interface IniFile {
  /** Lower-cased section name to (lower-cased option name to raw value). Always has `default`. */
  readonly sections: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** Upstream (goconf) gives up unfolding `%(name)s` references after this many substitutions. */
const MAX_UNFOLD_DEPTH = 200;
const REFERENCE = /%\(([a-zA-Z0-9_.-]+)\)s/;
const INLINE_COMMENT = /[ \t][;#]/;
const ENV_REFERENCE = /\$\(([A-Za-z][A-Za-z0-9_]*)\)/g;

/**
 * Parses server.conf text. Throws {@link ConfigError} (key `line N`) for a line goconf cannot parse:
 * text without `=`/`:` that does not continue an option, or an option under an empty `[]` header.
 */
export function parseIni(text: string): IniFile {
  const sections = new Map<string, Map<string, string>>();
  sections.set(DEFAULT_SECTION, new Map());
  let section = DEFAULT_SECTION;
  let current = sections.get(DEFAULT_SECTION)!;
  let option = '';

  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (
      line === '' ||
      line[0] === '#' ||
      line[0] === ';' ||
      line.slice(0, 3).toLowerCase() === 'rem'
    ) {
      continue;
    }
    if (line[0] === '[' && line.endsWith(']')) {
      section = line.slice(1, -1).trim().toLowerCase();
      option = '';
      let existing = sections.get(section);
      if (existing === undefined) {
        existing = new Map();
        sections.set(section, existing);
      }
      current = existing;
      continue;
    }
    const where = `line ${index + 1}`;
    if (section === '') {
      throw new ConfigError(section, where, `option outside of a named section: "${line}"`);
    }
    const separator = line.search(/[=:]/);
    if (separator > 0) {
      option = line.slice(0, separator).trim().toLowerCase();
      current.set(option, stripInlineComment(line.slice(separator + 1)).trim());
    } else if (option !== '') {
      const previous = current.get(option) ?? '';
      current.set(option, `${previous}\n${stripInlineComment(line).trim()}`);
    } else {
      throw new ConfigError(section, where, `cannot parse line "${line}"`);
    }
  }
  return { sections };
}

function stripInlineComment(value: string): string {
  const at = value.search(INLINE_COMMENT);
  return at === -1 ? value : value.slice(0, at);
}

/** Whether the file has the section (case-insensitive). `default` always exists. */
export function hasSection(ini: IniFile, section: string): boolean {
  return ini.sections.has(section.toLowerCase());
}

/** The option names written in one section (lower-cased, file order); not those of `default`. */
export function optionNames(ini: IniFile, section: string): string[] {
  return [...(ini.sections.get(section.toLowerCase())?.keys() ?? [])];
}

/** The value as written, without unfolding; undefined if section or option is missing. */
export function getRawValue(ini: IniFile, section: string, option: string): string | undefined {
  return ini.sections.get(section.toLowerCase())?.get(option.toLowerCase());
}

/**
 * The value with `%(name)s` references unfolded, like goconf's `GetString`: each reference takes
 * option `name` from the same section, else from `default`. Returns undefined if the option is
 * missing. A reference to a missing or empty option, or a chain that does not end, makes upstream
 * treat the whole option as unreadable (and silently unset); we throw {@link ConfigError} instead,
 * since such a value is always a mistake.
 */
export function getValue(ini: IniFile, section: string, option: string): string | undefined {
  let value = getRawValue(ini, section, option);
  if (value === undefined) {
    return undefined;
  }
  for (let depth = 0; ; depth++) {
    const match = REFERENCE.exec(value);
    if (match === null) {
      return value;
    }
    if (depth === MAX_UNFOLD_DEPTH) {
      throw new ConfigError(section, option, `too many nested %(name)s references in "${value}"`);
    }
    const name = match[1]!.toLowerCase();
    const replacement =
      getRawValue(ini, section, name) ?? getRawValue(ini, DEFAULT_SECTION, name) ?? '';
    if (replacement === '') {
      throw new ConfigError(section, option, `reference %(${name})s names no option with a value`);
    }
    value = value.slice(0, match.index) + replacement + value.slice(match.index + match[0].length);
  }
}

/** Result of {@link expandEnv}. */
export interface ExpandedValue {
  /** The value with every `$(VAR)` replaced. */
  value: string;
  /** Names referenced but not present in the environment (replaced by the bare name). */
  missing: string[];
}

/**
 * Replaces environment references `$(VAR)` (VAR: a letter, then letters, digits, `_`), like
 * upstream's `GetStringOptionWithEnv`. A variable that is set, even to '', gives its value; an
 * unset one is replaced by its bare name (`$(FOO)` becomes `FOO`), which is upstream's rule and is
 * why callers report `missing` as a warning. Anything else (`$FOO`, `$(F.OO)`) stays as written.
 */
export function expandEnv(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
): ExpandedValue {
  const missing: string[] = [];
  const expanded = value.replace(ENV_REFERENCE, (_reference, name: string) => {
    const found = Object.hasOwn(env, name) ? env[name] : undefined;
    if (found === undefined) {
      missing.push(name);
      return name;
    }
    return found;
  });
  return { value: expanded, missing };
}

/** The command line of our executables (`bin/signaling`, `bin/proxy`): upstream's flags. */
export interface CommandLine {
  configPath: string;
  version: boolean;
}

/** The one-line usage of `program`. */
export function usage(program: string): string {
  return `usage: ${program} [-config PATH] [-version]`;
}

/**
 * Parses `-config PATH` (also `--config`, `-config=PATH`; default `defaultConfig`) and
 * `-version`. Go's flag package accepts one or two dashes, which is why both spellings work.
 * Throws with a message for the user on anything else (`-h`/`-help` throw the usage).
 */
export function parseCommandLine(
  args: readonly string[],
  program: string,
  defaultConfig: string,
): CommandLine {
  const result: CommandLine = { configPath: defaultConfig, version: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const match = /^--?([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!match) {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    }
    const [, name, inline] = match;
    switch (name) {
      case 'config': {
        const value = inline ?? args[++i];
        if (value === undefined || value === '') {
          throw new Error('flag needs an argument: -config');
        }
        result.configPath = value;
        break;
      }
      case 'version':
        result.version = true;
        break;
      case 'h':
      case 'help':
        throw new Error(usage(program));
      default:
        throw new Error(`flag provided but not defined: -${name}`);
    }
  }
  return result;
}

import { InvalidArgumentError, type Command, type OptionValues } from 'commander';

/** A bad command line: printed with the usage text, exit code 1, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses a script's own command line with commander (the scripts under tools/ that `./keelson`
 * runs, and that run on their own). `--help` prints the help and exits 0, as commander does; any
 * other refusal is thrown as a UsageError for the script to print with `usageLine`, exit code 1.
 */
export function parseCommandLine<T extends OptionValues>(command: Command, argv: string[]): T {
  command
    .exitOverride((error) => {
      // Returning lets commander exit 0 after the help; a refusal is the script's to report.
      if (error.exitCode !== 0) throw new UsageError(error.message.replace(/^error: /, ''));
    })
    .configureOutput({ outputError: () => undefined });
  command.parse(argv, { from: 'user' });
  return command.opts<T>();
}

export function usageLine(command: Command): string {
  return `usage: ${command.name()} ${command.usage()}`;
}

function toInteger(value: string, min: number, max: number): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

/** A commander argParser: an integer from min to max, refused with the option's name. */
export function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = toInteger(value, min, max);
    if (n === undefined)
      throw new InvalidArgumentError(`It must be an integer from ${min} to ${max}.`);
    return n;
  };
}

/** The same rule for a value checked after parsing (`./keelson`'s commands, list items). */
export function intOption(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = toInteger(value, min, max);
  if (n === undefined) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${value}"`);
  }
  return n;
}

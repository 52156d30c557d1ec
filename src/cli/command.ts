/** What every CLI command provides, and the errors that end a run. */

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder of the value in the help, e.g. '<file>'. */
  value?: string;
  description: string;
  required?: boolean;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandContext {
  /** Progress and notes for people: written to stderr, never mixed with the result. */
  progress(message: string): void;
  /** Reads a file named on the command line; a missing or unreadable file is an error naming it. */
  readFile(path: string): Promise<Uint8Array>;
  /** Arguments that are not options, in order (at most the command's `positionals`). */
  positionals: string[];
}

/** A command's result: `json` is printed with --json, `text` (a readable table) otherwise. */
export interface CommandResult {
  json: unknown;
  text: string;
}

export interface CliCommand {
  /** One line: the options after `pkm <name>`. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** How many arguments that are not options it takes (named in `usage`); default 0. */
  positionals?: number;
  /** More help text after the option list (examples, output format). */
  details?: string;
  run(values: OptionValues, context: CommandContext): Promise<CommandResult>;
}

/** Bad command-line input (unknown command or flag, missing or malformed value): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Bad input data (a missing file, a malformed or inconsistent file): exit code 1. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * The headless CLI: `npm run -s pkm -- <command> [options]`. Prints only the result on stdout
 * (JSON with --json, a table otherwise), progress on stderr, and on bad input one line
 * "pkm <command>: error: …" on stderr with exit code 2 (usage) or 1 (input data or failure).
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { commandHelp, parseCommandLine } from './args';
import { type CommandContext, InputError, UsageError } from './command';
import { COMMANDS } from './commands';

export interface CliOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const PROCESS_OUTPUT: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function generalHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'pkm: headless tools for PKM Explorer (product-key memories)',
    '',
    'usage: pkm <command> [options]     pkm <command> --help for its options',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`),
    '',
  ].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new InputError(`cannot read '${path}': ${why}`);
  }
}

/** Runs one command line (without the node and script arguments); resolves to the exit code. */
export async function main(argv: string[], output: CliOutput = PROCESS_OUTPUT): Promise<number> {
  const [name, ...rest] = argv;
  let label = 'pkm';
  // Libraries may log to console.log: keep stdout for the result alone.
  const savedLog = console.log;
  const savedInfo = console.info;
  console.log = (...args: unknown[]) => output.stderr(`${args.map(String).join(' ')}\n`);
  console.info = console.log;
  try {
    if (name === undefined)
      throw new UsageError(`missing command (${Object.keys(COMMANDS).join(', ')}); see pkm --help`);
    if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      output.stdout(generalHelp());
      return 0;
    }
    const target = name === 'help' ? rest[0] : name;
    const entry = Object.hasOwn(COMMANDS, target) ? COMMANDS[target] : undefined;
    if (!entry) {
      throw new UsageError(`unknown command '${target}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    }
    label = `pkm ${target}`;
    const command = await entry.load();
    const parsed = parseCommandLine(
      target,
      name === 'help' ? ['--help'] : rest,
      command.options,
      command.positionals,
    );
    if (parsed.help) {
      output.stdout(commandHelp(target, entry.summary, command.usage, command.options, command.details));
      return 0;
    }
    const context: CommandContext = {
      progress: (message) => output.stderr(`${label}: ${message}\n`),
      readFile: readInputFile,
      positionals: parsed.positionals,
    };
    const result = await command.run(parsed.values, context);
    output.stdout(
      parsed.json
        ? `${JSON.stringify(result.json)}\n`
        : result.text.endsWith('\n')
          ? result.text
          : `${result.text}\n`,
    );
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    output.stderr(`${label}: error: ${oneLine(message)}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    console.log = savedLog;
    console.info = savedInfo;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

/** Command-line options of `npm run -s bench -- …`. */

export const SUITES = ['lookup', 'scaling', 'model', 'stepwork', 'ui'] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchArgs {
  json: boolean;
  quick: boolean;
  browser: boolean;
  /** undefined: wasm in Node, webgpu in the browser. */
  backend?: string;
  /** Suites to run (default all that the runner supports). */
  only?: SuiteName[];
  /** Write the result JSON to bench/results/ (default) or not. */
  save: boolean;
  /** Rewrite the README's benchmark table from bench/results/ and exit. */
  readme: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run -s bench -- [options]
  --quick            fewer sizes and repetitions (under 2 minutes on 2 cores)
  --json             print one JSON object on stdout (progress goes to stderr)
  --browser          run in headless Chromium (page served from 127.0.0.1), WebGPU by default
  --backend NAME     node: wasm (default), cpu, webgpu (Dawn; a real GPU when Vulkan has one)
                     browser: webgpu (default), wasm
  --only LIST        comma-separated suites: ${SUITES.join(', ')}
  --no-save          do not write bench/results/<date>_<time>_<machine>_<runner>-<backend>.json
  --readme           rewrite the README benchmark table from bench/results/ and exit
  --help             this text`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    json: false,
    quick: false,
    browser: false,
    save: true,
    readme: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string) => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '' || v.startsWith('--')) throw new Error(`${name} needs a value`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--quick') args.quick = true;
    else if (a === '--browser') args.browser = true;
    else if (a === '--no-save') args.save = false;
    else if (a === '--readme') args.readme = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--backend' || a.startsWith('--backend=')) args.backend = value('--backend');
    else if (a === '--only' || a.startsWith('--only=')) {
      const list = value('--only').split(',');
      const bad = list.filter((s) => !(SUITES as readonly string[]).includes(s));
      if (bad.length)
        throw new Error(`--only: unknown suite ${bad.join(', ')} (known: ${SUITES.join(', ')})`);
      args.only = list as SuiteName[];
    } else throw new Error(`unknown option ${JSON.stringify(a)}\n${USAGE}`);
  }
  return args;
}

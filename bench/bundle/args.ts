import type { SuiteName } from '../lib/args';
import type { NodeBackend } from '../node/backend';

/** Options of the GPU bundle's run.sh (passed on to its script). */

export const BUNDLE_SUITES: readonly SuiteName[] = ['model', 'stepwork', 'scaling', 'lookup'];

export interface BundleArgs {
  json: boolean;
  /** The full plan's sizes instead of the quick plan's (longer; the wasm half takes minutes). */
  full: boolean;
  suites: SuiteName[];
  backends: NodeBackend[];
  /** Folder the results are written to, one bench/results-style JSON per backend. */
  out?: string;
  help: boolean;
}

export const BUNDLE_USAGE = `Usage: bash run.sh [--json] [--quick | --full] [--only LIST] [--backends LIST] [--out DIR]
  --json           one JSON object on stdout: {runs, comparison, errors}
  --quick          the quick plan's sizes (the default; a run stays within a few minutes)
  --full           the full plan's sizes (the wasm half alone can take 5 minutes or more)
  --only LIST      suites, comma-separated: ${BUNDLE_SUITES.join(', ')} (default model,stepwork)
  --backends LIST  webgpu,wasm (default: both, WebGPU first)
  --out DIR        write each backend's result JSON there (run.sh: ./gpu-bench-results)`;

export function parseBundleArgs(argv: readonly string[]): BundleArgs {
  const args: BundleArgs = {
    json: false,
    full: false,
    suites: ['model', 'stepwork'],
    backends: ['webgpu', 'wasm'],
    help: false,
  };
  const list = <T extends string>(flag: string, value: string | undefined, known: readonly T[]): T[] => {
    const items = (value ?? '').split(',').filter(Boolean);
    const bad = items.filter((s) => !(known as readonly string[]).includes(s));
    if (items.length === 0 || bad.length) throw new Error(`${flag}: expected some of ${known.join(', ')}`);
    return items as T[];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--quick') args.full = false;
    else if (a === '--full') args.full = true;
    else if (a === '--only') args.suites = list('--only', argv[++i], BUNDLE_SUITES);
    else if (a === '--backends') args.backends = list('--backends', argv[++i], ['webgpu', 'wasm'] as const);
    else if (a === '--out') {
      const v = argv[++i];
      if (!v) throw new Error('--out needs a folder');
      args.out = v;
    } else if (a === '--help' || a === '-h') args.help = true;
    else throw new Error(`unknown option ${JSON.stringify(a)}\n${BUNDLE_USAGE}`);
  }
  return args;
}

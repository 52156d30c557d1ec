/**
 * The benchmark suite: `npm run -s bench -- [--json] [--quick] [--browser] [--backend NAME]`.
 * Node runs tfjs on wasm (default), cpu or webgpu (Dawn); --browser runs the same suites plus the
 * UI measurements in headless Chromium on WebGPU. Progress goes to stderr; the report (a table, or
 * one JSON object with --json) to stdout; the JSON is also saved in bench/results/.
 */

import { parseArgs, SUITES, type SuiteName, USAGE } from './lib/args';
import { formatReport } from './lib/format';
import { makePlan } from './lib/plan';
import type { BenchResult } from './lib/result';
import { checkTargets } from './lib/targets';
import { runInChromium } from './node/chromium';
import { loadAverages, loadNote, nodeMachine } from './node/machine';
import { updateReadme } from './node/readme';
import { saveResult } from './node/results';

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function runNode(backendName: string, quick: boolean, suites: SuiteName[]): Promise<BenchResult> {
  // Imported here so that --browser and --readme never load tfjs in Node.
  const { setupNodeBackend } = await import('./node/backend');
  const { runTfSuites } = await import('./suites/runSuites');
  const choice = await setupNodeBackend(backendName as never, log);
  const machine = { ...nodeMachine(), ...(choice.gpu ? { gpu: choice.gpu } : {}) };
  log(
    `node · ${choice.backend} (${choice.device}) · ${machine.cpu}, ${machine.cores} cores${quick ? ' · quick' : ''}`,
  );
  const started = performance.now();
  const loadStart = loadAverages();
  const parts = await runTfSuites(makePlan(choice.device, quick), suites, log);
  const load = { start: loadStart, end: loadAverages() };
  const busy = loadNote(load, machine.cores);
  if (busy) parts.notes.push(busy);
  return {
    machine,
    backend: choice.backend,
    load,
    runner: 'node',
    quick,
    date: new Date().toISOString(),
    duration_s: Math.round((performance.now() - started) / 100) / 10,
    ...parts,
    targets: checkTargets({ ...parts, backend: choice.backend, softwareGpu: machine.gpu?.fallback }),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.readme) {
    const runs = updateReadme();
    log(`README table rewritten from ${runs.length} runs`);
    return;
  }
  const supported: SuiteName[] = args.browser ? [...SUITES] : SUITES.filter((s) => s !== 'ui');
  const requested = args.only ?? supported;
  const unsupported = requested.filter((s) => !supported.includes(s));
  if (unsupported.length)
    throw new Error(`--only ${unsupported.join(', ')}: the ui suite runs only with --browser`);
  const result = args.browser
    ? await runInChromium({ backend: args.backend ?? 'webgpu', quick: args.quick, suites: requested, log })
    : await runNode(args.backend ?? 'wasm', args.quick, requested);
  if (args.save) log(`saved ${saveResult(result)}`);
  process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `${formatReport(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

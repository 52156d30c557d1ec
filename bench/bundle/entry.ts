import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { formatReport } from '../lib/format';
import { makePlan } from '../lib/plan';
import type { BenchResult } from '../lib/result';
import { checkTargets } from '../lib/targets';
import { type DawnModule, type NodeBackend, setupNodeBackend } from '../node/backend';
import { loadAverages, loadNote, nodeMachine } from '../node/machine';
import { resultFileName } from '../node/results';
import { runTfSuites } from '../suites/runSuites';
import { BUNDLE_USAGE, type BundleArgs, parseBundleArgs } from './args';
import { compareBackends, formatComparison } from './compare';

/**
 * The GPU bundle's benchmark (build/gpu-bench/run.sh runs it with its own Node): the WebGPU
 * suites on Dawn with the machine's Vulkan driver, then the same suites on wasm as the same
 * machine's baseline. Sizes are the quick plan's (a run stays within minutes), plus the
 * paper-scale memory layer. run.sh passes the unpacked folder (dawn.node, the .wasm files).
 */

const log = (message: string) => process.stderr.write(`[gpu-bench] ${message}\n`);

const dir = process.env.PKM_BUNDLE_DIR;
if (!dir) throw new Error('PKM_BUNDLE_DIR is not set: start the bundle with its run.sh');

/** Dawn from the bundle: the addon file itself, not the `webgpu` npm package around it. */
const loadDawn = async (): Promise<DawnModule> =>
  createRequire(path.join(dir, 'bench.cjs'))(path.join(dir, 'dawn.node')) as DawnModule;

async function runBackend(name: NodeBackend, args: BundleArgs): Promise<BenchResult> {
  const choice = await setupNodeBackend(name, log, loadDawn);
  const machine = { ...nodeMachine(), ...(choice.gpu ? { gpu: choice.gpu } : {}) };
  log(`${choice.backend} (${choice.device})${choice.gpu ? ` · ${choice.gpu.name}` : ''} · ${machine.cpu}`);
  const plan = makePlan(choice.device, !args.full);
  // A software adapter takes minutes per step of the 512 MB paper-scale table: only with --full.
  plan.stepwork.paper = choice.device !== 'software-gpu' || args.full;
  const started = performance.now();
  const loadStart = loadAverages();
  const parts = await runTfSuites(plan, args.suites, log);
  if (!plan.stepwork.paper && args.suites.includes('stepwork'))
    parts.notes.push('The paper-scale memory layer is not run on a software adapter without --full.');
  const load = { start: loadStart, end: loadAverages() };
  const busy = loadNote(load, machine.cores);
  if (busy) parts.notes.push(busy);
  parts.notes.push('Run from the self-contained GPU bundle (build/gpu-bench, its own Node and Dawn).');
  return {
    machine,
    backend: choice.backend,
    load,
    runner: 'node',
    quick: !args.full,
    date: new Date().toISOString(),
    duration_s: Math.round((performance.now() - started) / 100) / 10,
    ...parts,
    targets: checkTargets({ ...parts, backend: choice.backend, softwareGpu: machine.gpu?.fallback }),
  };
}

async function main(): Promise<void> {
  const args = parseBundleArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${BUNDLE_USAGE}\n`);
    return;
  }
  setWasmPaths(`${dir}/`);
  const runs: BenchResult[] = [];
  const errors: { backend: string; message: string }[] = [];
  for (const backend of args.backends) {
    try {
      runs.push(await runBackend(backend, args));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`${backend} failed: ${message}`);
      errors.push({ backend, message });
    }
  }
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    for (const r of runs)
      writeFileSync(path.join(args.out, resultFileName(r)), `${JSON.stringify(r, null, 2)}\n`);
    log(`results saved in ${args.out} (copy them into bench/results/ for the README table)`);
  }
  const comparison = compareBackends(runs);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ runs, comparison, errors })}\n`);
  } else {
    const parts = runs.map(formatReport);
    if (comparison.length) parts.push(formatComparison(comparison));
    for (const e of errors) parts.push(`${e.backend} did not run: ${e.message}`);
    process.stdout.write(`${parts.join('\n\n')}\n`);
  }
  if (runs.length === 0) throw new Error('no backend ran');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`gpu-bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

/**
 * `npm run -s bench:bundle`: writes build/gpu-bench/, a folder to copy to a machine with a GPU and
 * run there with `bash run.sh` (no npm, no Node needed there). It holds this machine's Node binary,
 * the benchmark as one bundled script (esbuild, from vite's dependencies), Dawn's linux-x64 addon,
 * tfjs's .wasm files and Debian's Vulkan loader, all gzip-compressed (gzip is everywhere; the
 * binaries shrink to about a third), plus run.sh, find_icd.sh and README.txt.
 */

import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OUT = path.join(ROOT, 'build', 'gpu-bench');
const SOURCE = path.join(ROOT, 'bench', 'bundle');
const LIMIT_BYTES = 60 * 2 ** 20;

const NODE_BINARY = process.env.PKM_BUNDLE_NODE ?? '/usr/bin/node';
const VULKAN_LOADER = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';
const DAWN = path.join(ROOT, 'node_modules', 'webgpu', 'dist', 'linux-x64', 'dawn.node');
const WASM_DIR = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

const log = (message: string) => process.stderr.write(`[bench:bundle] ${message}\n`);

function gzipInto(from: string, to: string): void {
  writeFileSync(to, gzipSync(readFileSync(from), { level: 9 }));
  log(`${path.relative(ROOT, to)}: ${mib(statSync(from).size)} → ${mib(statSync(to).size)} MiB`);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(2);
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const p = path.join(dir, e.name);
    return sum + (e.isDirectory() ? folderBytes(p) : statSync(p).size);
  }, 0);
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(path.join(OUT, 'payload'), { recursive: true });
  mkdirSync(path.join(OUT, 'lib'), { recursive: true });
  const script = path.join(OUT, 'bench.cjs');
  await build({
    entryPoints: [path.join(SOURCE, 'entry.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    // The npm `webgpu` wrapper is never loaded in the bundle (run.sh's dawn.node is required
    // directly); import.meta has no dirname in CommonJS, and only the results module's unused
    // folder constant reads it.
    external: ['webgpu'],
    define: { 'import.meta.dirname': '__dirname' },
    logLevel: 'warning',
  });
  gzipInto(script, path.join(OUT, 'payload', 'bench.cjs.gz'));
  rmSync(script);
  gzipInto(NODE_BINARY, path.join(OUT, 'payload', 'node.gz'));
  gzipInto(DAWN, path.join(OUT, 'payload', 'dawn.node.gz'));
  for (const f of WASM_FILES) gzipInto(path.join(WASM_DIR, f), path.join(OUT, 'payload', `${f}.gz`));
  gzipInto(VULKAN_LOADER, path.join(OUT, 'lib', 'libvulkan.so.1.gz'));
  for (const f of ['run.sh', 'find_icd.sh', 'README.txt'])
    copyFileSync(path.join(SOURCE, f), path.join(OUT, f));
  chmodSync(path.join(OUT, 'run.sh'), 0o755);
  const total = folderBytes(OUT);
  log(`${path.relative(ROOT, OUT)}: ${total} bytes (${mib(total)} MiB) in all`);
  if (total > LIMIT_BYTES)
    throw new Error(`the bundle is ${mib(total)} MiB, over its ${mib(LIMIT_BYTES)} MiB limit`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:bundle: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The GPU bundle's shell side: find_icd.sh's lookups on temp folders, and run.sh on a small fake
 * bundle whose "node" is a shell script that reports what run.sh handed it (the real bundle is
 * 43 MB and takes half a minute to build; its rehearsal is in the bundle's README section).
 */

const BUNDLE = path.resolve(import.meta.dirname, '..', '..', '..', 'bench', 'bundle');
let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'pkm-icd-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Runs `script` in bash with find_icd.sh sourced and only `env` in the environment (plus PATH). */
function bash(
  script: string,
  env: Record<string, string>,
): { code: number | null; out: string; err: string } {
  const r = spawnSync('bash', ['-c', `. "${BUNDLE}/find_icd.sh"; ${script}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(root, 'home'), ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr };
}

function file(p: string, text = '{}'): string {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe('find_vulkan_icd', () => {
  it('takes VK_ICD_FILENAMES (or VK_DRIVER_FILES) as given', () => {
    expect(bash('find_vulkan_icd', { VK_ICD_FILENAMES: '/x/icd.json' }).out).toBe('/x/icd.json');
    expect(bash('find_vulkan_icd', { VK_DRIVER_FILES: '/y/icd.json' }).out).toBe('/y/icd.json');
  });

  it('finds the NVIDIA ICD in the first folder that has one, in order', () => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    const c = path.join(root, 'c');
    file(path.join(a, 'intel_icd.x86_64.json'));
    const inB = file(path.join(b, 'nvidia_icd.json'));
    file(path.join(c, 'nvidia_icd.json'));
    expect(bash('find_vulkan_icd', { PKM_ICD_DIRS: `${a} ${b} ${c}` })).toMatchObject({ code: 0, out: inB });
    const inC = path.join(c, 'nvidia_icd.json');
    expect(bash('find_vulkan_icd', { PKM_ICD_DIRS: `${c} ${b}` }).out).toBe(inC);
  });

  it('also knows the arch-suffixed name and fails with nothing printed when there is no ICD', () => {
    const arch = file(path.join(root, 'd', 'nvidia_icd.x86_64.json'));
    expect(bash('find_vulkan_icd', { PKM_ICD_DIRS: path.dirname(arch) }).out).toBe(arch);
    expect(bash('find_vulkan_icd', { PKM_ICD_DIRS: path.join(root, 'empty') })).toMatchObject({
      code: 1,
      out: '',
    });
  });

  it("searches the user's ~/.config/vulkan/icd.d before the system folders by default", () => {
    const user = file(path.join(root, 'home', '.config', 'vulkan', 'icd.d', 'nvidia_icd.json'));
    expect(bash('find_vulkan_icd', {}).out).toBe(user);
  });
});

describe('find_system_vulkan_loader', () => {
  it('prints the first libvulkan.so.1 of the folders, or fails', () => {
    const lib = file(path.join(root, 'lib64', 'libvulkan.so.1'), '');
    const dirs = `${path.join(root, 'none')} ${path.dirname(lib)}`;
    expect(bash('find_system_vulkan_loader', { PKM_LOADER_DIRS: dirs }).out).toBe(lib);
    expect(bash('find_system_vulkan_loader', { PKM_LOADER_DIRS: path.join(root, 'none') }).code).toBe(1);
  });
});

describe('run.sh', () => {
  /** A bundle with run.sh and find_icd.sh, whose node reports its environment and arguments. */
  function fakeBundle(): string {
    const dir = path.join(root, 'bundle');
    mkdirSync(path.join(dir, 'payload'), { recursive: true });
    mkdirSync(path.join(dir, 'lib'), { recursive: true });
    for (const f of ['run.sh', 'find_icd.sh']) copyFileSync(path.join(BUNDLE, f), path.join(dir, f));
    const node = [
      '#!/bin/bash',
      'echo "icd=$VK_ICD_FILENAMES"',
      'echo "ld=$LD_LIBRARY_PATH"',
      'echo "script=$1"',
      'shift',
      'echo "args=$*"',
      'echo "unpacked=$(cd "$PKM_BUNDLE_DIR" && echo *)"',
      // The first folder of LD_LIBRARY_PATH is where run.sh put the bundled loader.
      'first="$LD_LIBRARY_PATH"; first="$' + '{first%%:*}"',
      'echo "loader=$(cat "$first/libvulkan.so.1" 2>/dev/null)"',
    ].join('\n');
    writeFileSync(path.join(dir, 'payload', 'node.gz'), gzipSync(`${node}\n`));
    writeFileSync(path.join(dir, 'payload', 'bench.cjs.gz'), gzipSync('script'));
    writeFileSync(path.join(dir, 'lib', 'libvulkan.so.1.gz'), gzipSync('bundled loader'));
    chmodSync(path.join(dir, 'run.sh'), 0o755);
    return dir;
  }

  it('unpacks, finds the ICD, uses the bundled loader when the machine has none, passes options on', () => {
    const dir = fakeBundle();
    const icd = file(path.join(root, 'etc', 'nvidia_icd.json'));
    const r = spawnSync('bash', [path.join(dir, 'run.sh'), '--json', '--only', 'stepwork'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: path.join(root, 'home'),
        TMPDIR: root,
        PKM_ICD_DIRS: `${path.join(root, 'none')} ${path.dirname(icd)}`,
        PKM_LOADER_DIRS: path.join(root, 'none'),
      },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const lines = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(lines.icd).toBe(icd);
    expect(lines.loader).toBe('bundled loader');
    expect(lines.script).toMatch(/pkm-gpu-bench\.\w+\/bench\.cjs$/);
    expect(lines.args).toBe(`--out ${path.join(root, 'gpu-bench-results')} --json --only stepwork`);
    expect(lines.unpacked).toBe('bench.cjs lib node');
    expect(r.stderr).toContain('the bundled libvulkan.so.1');
    // Its temp folder is gone once it has run.
    expect(readdirSync(root).filter((n) => n.startsWith('pkm-gpu-bench.'))).toEqual([]);
  });
});

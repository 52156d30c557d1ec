import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSimdModule, SIMD_BINARY_FILE, simdBinarySource } from '../../../scripts/build-wasm-simd';
import { SIMD_WASM_BASE64 } from '../../../src/model/ops/wasm/simdBinary';

describe('the WebAssembly SIMD kernel module', () => {
  it('the committed simdBinary.ts is what the AssemblyScript sources compile to (else: npx tsx scripts/build-wasm-simd.ts)', async () => {
    const binary = await compileSimdModule();
    expect(readFileSync(SIMD_BINARY_FILE, 'utf8')).toBe(simdBinarySource(binary));
  }, 60_000);

  it('is valid WebAssembly that imports nothing and exports its memory and the kernels', () => {
    const bytes = Uint8Array.from(atob(SIMD_WASM_BASE64), (c) => c.charCodeAt(0));
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(
      WebAssembly.Module.exports(module)
        .map((e) => e.name)
        .sort(),
    ).toEqual([
      'attentionBackward',
      'attentionForward',
      'biasGrad',
      'gelu',
      'geluGrad',
      'heapStart',
      'layerNormBackward',
      'layerNormForward',
      'memory',
    ]);
  });
});

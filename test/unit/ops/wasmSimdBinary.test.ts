import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compileSimdModule, SIMD_BINARY_FILE, simdBinarySource } from '../../../scripts/build-wasm-simd';
import { geluLoop } from '../../../src/model/ops/cpu/gelu';
import { GELU, GELU_GRAD } from '../../../src/model/ops/geluKernels';
import '../../../src/model/ops/gelu';
import type { WasmBackendLike } from '../../../src/model/ops/wasm/heap';
import { wasmSimd } from '../../../src/model/ops/wasm/simd';
import { SIMD_WASM_BASE64 } from '../../../src/model/ops/wasm/simdBinary';
import { onBackend } from './onBackend';

const bytes = () => Uint8Array.from(atob(SIMD_WASM_BASE64), (c) => c.charCodeAt(0));

/** The ids of the module's top-level sections (the binary format: id byte, LEB128 size, body). */
function sectionIds(wasm: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8; // magic and version
  while (at < wasm.length) {
    const id = wasm[at++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++];
      size |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    ids.push(id);
    at += size;
  }
  return ids;
}

describe('the WebAssembly SIMD kernel module', () => {
  it('the committed simdBinary.ts is what the AssemblyScript sources compile to (else: npx tsx scripts/build-wasm-simd.ts)', async () => {
    const binary = await compileSimdModule();
    expect(readFileSync(SIMD_BINARY_FILE, 'utf8')).toBe(simdBinarySource(binary));
  }, 60_000);

  it("imports only tfjs's memory, exports the kernels, and has no data segment or start function to write into tfjs's heap", () => {
    const module = new WebAssembly.Module(bytes());
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(
      WebAssembly.Module.exports(module)
        .map((e) => e.name)
        .sort(),
    ).toEqual([
      'attentionBackward',
      'attentionForward',
      'batchNormBackward',
      'batchNormForward',
      'biasGrad',
      'crossEntropyGrad',
      'crossEntropyRows',
      'denseAdam',
      'gelu',
      'geluGrad',
      'layerNormBackward',
      'layerNormForward',
      'productScoreTopK',
      'productScoreTopKScratch',
      'productSelectGrad',
      'productTopK',
      'productTopKScratch',
      'sparseAdam',
      'sumSquares',
      'swapLast',
      'valueRead',
      'valueReadGrad',
    ]);
    const ids = sectionIds(bytes());
    // 11: data, 12: data count, 8: start.
    expect(ids.filter((id) => id === 11 || id === 12 || id === 8)).toEqual([]);
    expect(ids).toContain(10); // the code section: the parse above walked real sections
  });

  it('binds to the wasm backend: kernels write their outputs in place and nothing next to them', async () => {
    await onBackend('wasm');
    expect(wasmSimd(tf.backend() as unknown as WasmBackendLike)).not.toBeNull();
    // Odd lengths: the kernels' last partial vector must not spill past a tensor's end.
    for (const n of [1, 5, 7, 4099]) {
      const before = tf.fill([64], 7);
      const x = tf.linspace(-3, 3, n);
      const after = tf.fill([64], 9);
      const y = tf.tidy(() => {
        const g = tf.engine().runKernel(GELU, { x }) as tf.Tensor;
        return [g, tf.engine().runKernel(GELU_GRAD, { dy: tf.onesLike(x), x }) as tf.Tensor];
      });
      const neighbours = tf.tidy(() => [tf.fill([64], 5), tf.fill([64], 6)]);
      const [b, a, n0, n1] = await Promise.all([before, after, ...neighbours].map((t) => t.data()));
      expect([...b].every((v) => v === 7)).toBe(true);
      expect([...a].every((v) => v === 9)).toBe(true);
      expect([...n0, ...n1].filter((v) => v !== 5 && v !== 6)).toEqual([]);
      const [gelu, xs] = (await Promise.all([y[0].data(), x.data()])) as Float32Array[];
      const want = new Float32Array(n);
      geluLoop(xs, want);
      for (let i = 0; i < n; i++) expect(Math.abs(gelu[i] - want[i])).toBeLessThan(1e-6);
      tf.dispose([before, x, after, ...y, ...neighbours]);
    }
  });
});

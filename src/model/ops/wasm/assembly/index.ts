// The entry of the SIMD kernel module: every AssemblyScript kernel file is exported from here and
// compiled into one small WebAssembly module (scripts/build-wasm-simd.ts → ../simdBinary.ts).
export { backward as attentionBackward, forward as attentionForward, heapStart } from './attention';
export { biasGrad } from './biasGrad';
export { gelu, geluGrad } from './gelu';
export { layerNormBackward, layerNormForward } from './layerNorm';

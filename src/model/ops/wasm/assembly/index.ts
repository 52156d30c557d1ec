// The entry of the SIMD kernel module: every AssemblyScript kernel file is exported from here and
// compiled into one small WebAssembly module (scripts/build-wasm-simd.ts → ../simdBinary.ts). The
// module imports tfjs-wasm's memory and works on tensors where they are: it must not carry data
// segments (they would be written into tfjs's heap) nor allocate; a unit test checks the first.
export { backward as attentionBackward, forward as attentionForward } from './attention';
export { batchNormBackward, batchNormForward } from './batchNorm';
export { biasGrad } from './biasGrad';
export { crossEntropyGrad, crossEntropyRows } from './crossEntropy';
export { denseAdam } from './denseAdam';
export { gelu, geluGrad } from './gelu';
export { layerNormBackward, layerNormForward } from './layerNorm';
export { productScoreTopK, productScoreTopKScratch } from './productScoreTopK';
export { productSelectGrad } from './productSelectGrad';
export { productTopK, productTopKScratch } from './productTopK';
export { sparseAdam } from './sparseAdam';
export { sumSquares } from './sumSquares';
export { swapLast } from './swapLast';
export { valueRead, valueReadGrad } from './valueRead';

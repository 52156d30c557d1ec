import { inSlices } from './breathe';
import { FormatError, MismatchError, shapeText } from './errors';
import { readNpy } from './npy';

function checkShape(shape: readonly number[], dIn: number): { count: number } {
  const matrix = shape.length === 1 ? [1, shape[0]] : shape;
  if (matrix.length !== 2) {
    throw new FormatError(`inputs must be a 2-D array [B, d_in] (got shape ${shapeText(shape)})`);
  }
  const [count, width] = matrix;
  if (width !== dIn) {
    throw new MismatchError(
      `the inputs are ${width.toLocaleString('en')} wide but the memory's input width d_in is ${dIn.toLocaleString('en')}`,
    );
  }
  if (count === 0) throw new FormatError('the inputs hold no vectors (B = 0)');
  return { count };
}

function nonFinite(data: Float32Array, width: number, begin: number, end: number): void {
  for (let i = begin; i < end; i++) {
    const v = data[i];
    if (v - v !== 0) {
      throw new FormatError(
        `the inputs hold ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at row ${Math.floor(i / width)}, column ${i % width}`,
      );
    }
  }
}

/**
 * Input vectors for a memory from a .npy file: a [B, d_in] array (a 1-D array is one vector),
 * checked against the memory's input width and for NaN/Inf. Problems are FormatErrors saying what
 * is wrong (MismatchError for a width that is not the memory's).
 */
export function readInputVectors(bytes: Uint8Array, dIn: number): { inputs: Float32Array; count: number } {
  const array = readNpy(bytes);
  const { count } = checkShape(array.shape, dIn);
  nonFinite(array.data, dIn, 0, array.data.length);
  return { inputs: array.data, count };
}

/** `readInputVectors`, checking the values in slices that yield and stop when `signal` aborts. */
export async function readInputVectorsAsync(
  bytes: Uint8Array,
  dIn: number,
  signal?: AbortSignal,
): Promise<{ inputs: Float32Array; count: number }> {
  const array = readNpy(bytes);
  const { count } = checkShape(array.shape, dIn);
  await inSlices(array.data.length, (b, e) => nonFinite(array.data, dIn, b, e), signal);
  return { inputs: array.data, count };
}

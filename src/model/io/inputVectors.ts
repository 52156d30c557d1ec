import { FormatError } from './errors';
import { readNpy } from './npy';

/**
 * Input vectors for a memory from a .npy file: a [B, d_in] array (a 1-D array is one vector),
 * checked against the memory's input width. Problems are FormatErrors saying what is wrong.
 */
export function readInputVectors(bytes: Uint8Array, dIn: number): { inputs: Float32Array; count: number } {
  const array = readNpy(bytes);
  const shape = array.shape.length === 1 ? [1, array.shape[0]] : array.shape;
  if (shape.length !== 2) {
    throw new FormatError(`inputs must be a 2-D array [B, d_in] (got shape (${array.shape.join(', ')}))`);
  }
  const [count, width] = shape;
  if (width !== dIn) throw new FormatError(`the inputs have width ${width} but the memory's d_in is ${dIn}`);
  if (count === 0) throw new FormatError('the inputs hold no vectors (B = 0)');
  return { inputs: array.data, count };
}

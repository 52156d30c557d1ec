import type { EngineConnection } from '../../engineConnection';

/**
 * The hidden states entering memory layer `layer` for the first `count` bytes of `text`, read from
 * the live model one byte at a time (the protocol has no command for a whole text's states).
 */
export async function traceInputs(
  engine: EngineConnection,
  text: string,
  count: number,
  layer: number,
  onProgress: (done: number, total: number) => void,
  signal: AbortSignal,
): Promise<Float32Array[]> {
  const total = Math.min(count, new TextEncoder().encode(text).length);
  if (total === 0)
    throw new Error('there is no text to read hidden states from: type some text in the token chooser');
  const rows: Float32Array[] = [];
  for (let p = 0; p < total; p++) {
    if (signal.aborted) throw new Error('cancelled');
    const trace = await engine.request({ type: 'trace', text, position: p, layer });
    const mine = trace.layers.find((l) => l.layer === layer);
    if (!mine) throw new Error(`the model has no memory in block ${layer + 1}`);
    rows.push(mine.trace.input);
    if (p % 8 === 7 || p === total - 1) onProgress(p + 1, total);
  }
  return rows;
}

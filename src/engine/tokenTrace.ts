import * as tf from '@tensorflow/tfjs';
import { encode, VOCAB_SIZE } from '../model/tokenizer';
import type { PkmModel } from '../model/transformer';
import { EngineError } from './errors';
import type { InputCapture } from './instrument';
import type { TokenTrace } from './protocol/reads';

const PREDICTIONS = 5;

/**
 * The lookup of the byte at `position` of `text` in every memory layer, with the model's next-byte
 * prediction there. The model sees the window of at most `context` bytes ending at `position`,
 * padded after it to the fixed shape [1, context] (causal attention ignores the padding), so no
 * new shaders are compiled per text. One readback for the states, then one per memory trace.
 */
export async function traceToken(
  model: PkmModel,
  capture: InputCapture,
  request: { text: string; position: number; layer: number | null },
  step: number,
): Promise<TokenTrace> {
  const bytes = encode(request.text);
  const { position } = request;
  if (position >= bytes.length) {
    throw new EngineError(
      'bad-command',
      `position ${position} is outside the text: it has ${bytes.length} bytes (positions 0 to ${bytes.length - 1})`,
    );
  }
  if (request.layer !== null && !model.memoryLayers.includes(request.layer)) {
    throw new EngineError(
      'bad-command',
      `layer ${request.layer} has no memory: the memory layers are ${model.memoryLayers.join(', ') || 'none'}`,
    );
  }
  const context = model.config.context;
  const windowStart = Math.max(0, position - context + 1);
  const row = position - windowStart;
  const window = new Int32Array(context);
  for (let t = 0; t <= row; t++) window[t] = bytes[windowStart + t];
  const d = model.config.d_model;
  const memories = [...model.memories];
  const packed = tf.tidy(() => {
    const { result, inputs } = capture.collect(() =>
      model.forward(tf.tensor2d(window, [1, context], 'int32'), 'eval'),
    );
    const probs = tf.softmax(result.logits.slice([0, row, 0], [1, 1, VOCAB_SIZE]).reshape([VOCAB_SIZE]));
    const states = memories.map((m) => {
      const x = inputs.get(m);
      if (!x) throw new Error('a memory was not reached by the forward pass');
      return x.slice([row, 0], [1, d]).reshape([d]);
    });
    return tf.concat([probs, ...states]);
  });
  let data: Float32Array;
  try {
    data = (await packed.data()) as Float32Array;
  } finally {
    packed.dispose();
  }
  const probs = data.subarray(0, VOCAB_SIZE);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  const layers = [];
  for (let i = 0; i < memories.length; i++) {
    const x = data.slice(VOCAB_SIZE + i * d, VOCAB_SIZE + (i + 1) * d);
    layers.push({ layer: model.memoryLayers[i], trace: await memories[i].trace(x) });
  }
  return {
    text: request.text,
    position,
    layer: request.layer,
    token: bytes[position],
    windowStart,
    step,
    predictions: order.slice(0, PREDICTIONS).map((token) => ({ token, probability: probs[token] })),
    layers,
  };
}

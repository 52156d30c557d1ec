/**
 * WebGPU device limits, checked before a model is built: a buffer over
 * `maxStorageBufferBindingSize` or `maxBufferSize` is a validation error that the GPU reports
 * only in the console, and the kernels that use it then read zeros. A config whose largest buffer
 * does not fit gets one message instead: the buffer, its size, the limit and what fits.
 */
import { type ModelConfig, valueDim } from '../model/config';
import { VOCAB_SIZE } from '../model/tokenizer';
import { activeWebgpuDevice } from './backend';
import { formatBytes } from './memoryEstimate';

const FLOAT = 4;
/** The largest n_keys a config may ask for (FIELD_SPECS). */
const MAX_N_KEYS = 1024;

export interface DeviceBufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface DeviceBuffer {
  name: string;
  bytes: number;
  /** Floats per slot of a memory table (the buffer grows with n_keys²), absent for other buffers. */
  perSlot?: number;
  /** The buffer is the value table, whose row width is v_dim. */
  values?: boolean;
}

/** The buffers of one training step that grow with the config, largest first. */
export function largestBuffers(config: ModelConfig): DeviceBuffer[] {
  const { batch, context, d_model: d, attn_heads: attnHeads } = config;
  const tokens = batch * context;
  const buffers: DeviceBuffer[] = [
    { name: 'the token embedding', bytes: VOCAB_SIZE * d * FLOAT },
    { name: 'the logits', bytes: tokens * VOCAB_SIZE * FLOAT },
    { name: 'the attention scores', bytes: batch * attnHeads * context * context * FLOAT },
    { name: 'the feed-forward activations', bytes: tokens * d * config.ffn_mult * FLOAT },
  ];
  if (config.mem_layers.length > 0) {
    const slots = config.n_keys * config.n_keys;
    const v = valueDim(config);
    // One table per memory layer; its two Adam moments and the sparse update's copy are as large.
    const block = config.mem_layers[0] + 1;
    buffers.push({
      name: `the memory values of block ${block} (and each of their Adam moments)`,
      bytes: slots * v * FLOAT,
      perSlot: v,
      values: true,
    });
    if (config.mem_keys === 'flat') {
      buffers.push({ name: 'the flat keys', bytes: slots * config.k_dim * FLOAT, perSlot: config.k_dim });
      buffers.push({
        name: 'the flat keys’ scores',
        bytes: tokens * config.heads * slots * FLOAT,
        perSlot: tokens * config.heads,
      });
    }
  }
  return buffers.sort((a, b) => b.bytes - a.bytes);
}

export interface LimitProblem {
  buffer: DeviceBuffer;
  limitName: keyof DeviceBufferLimits;
  limit: number;
  /** The largest n_keys (v_dim kept) and v_dim (n_keys kept) that fit; null where none helps. */
  fits: { n_keys: number | null; v_dim: number | null };
  message: string;
}

/** The first buffer of `config` over the device's limits, with what would fit; null when all fit. */
export function checkDeviceLimits(config: ModelConfig, limits: DeviceBufferLimits): LimitProblem | null {
  const limitName: keyof DeviceBufferLimits =
    limits.maxStorageBufferBindingSize <= limits.maxBufferSize
      ? 'maxStorageBufferBindingSize'
      : 'maxBufferSize';
  const limit = limits[limitName];
  const buffers = largestBuffers(config);
  const buffer = buffers.find((b) => b.bytes > limit);
  if (!buffer) return null;
  const memory = buffers.filter((b) => b.perSlot !== undefined);
  let fits: LimitProblem['fits'] = { n_keys: null, v_dim: null };
  if (buffer.perSlot !== undefined) {
    // Every table that grows with n_keys² must fit, not only the one named.
    const widest = Math.max(...memory.map((b) => b.perSlot!));
    const n = Math.min(MAX_N_KEYS, Math.floor(Math.sqrt(limit / (FLOAT * widest))));
    const slots = config.n_keys * config.n_keys;
    const others = memory.filter((b) => !b.values).every((b) => b.bytes <= limit);
    const v = Math.floor(limit / (FLOAT * slots));
    fits = { n_keys: n >= 2 ? n : null, v_dim: buffer.values && others && v >= 1 ? v : null };
  }
  const mustProject = !config.mem_plus ? ' with mem_plus' : '';
  const what = [
    fits.n_keys !== null ? `n_keys ${fits.n_keys} (${config.n_keys} now)` : null,
    fits.v_dim !== null ? `v_dim ${fits.v_dim}${mustProject} (${valueDim(config)} now)` : null,
  ]
    .filter(Boolean)
    .join(' or ');
  const message =
    `A buffer is too large for this GPU: ${buffer.name}, ${formatBytes(buffer.bytes)} ` +
    `(${buffer.bytes.toLocaleString('en-US')} bytes), over its ${limitName} of ${formatBytes(limit)} ` +
    `(${limit.toLocaleString('en-US')} bytes). ` +
    (what ? `The largest that fits: ${what}.` : 'Lower batch, context or d_model.');
  return { buffer, limitName, limit, fits, message };
}

/** The limit problem of `config` on the active WebGPU device, or null (not on WebGPU, or it fits). */
export function webgpuLimitProblem(config: ModelConfig): string | null {
  const device = activeWebgpuDevice() as { limits?: Partial<DeviceBufferLimits> } | null;
  const limits = device?.limits;
  if (!limits?.maxStorageBufferBindingSize || !limits.maxBufferSize) return null;
  return (
    checkDeviceLimits(config, {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    })?.message ?? null
  );
}

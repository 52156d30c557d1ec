import * as tf from '@tensorflow/tfjs';
import {
  checkMemorySpec,
  createMemory,
  type MemorySpec,
  type PkmMemoryModule,
  weightShapes,
} from '../../src/model/memory';
import { flatSelect, productSelect } from '../../src/model/memory/select';
import { kernelMode, setKernelMode, withKernelMode } from '../../src/model/ops/kernelMode';
import { fusedProductSelectAvailable, fusedProductTopK } from '../../src/model/ops/productSelect';
import { timeInterleaved, type Variant } from '../lib/interleave';
import type { LookupPlan } from '../lib/plan';
import type { LookupRow } from '../lib/result';
import { pairedRatio, round, summarize } from '../lib/stats';

/**
 * Product-key vs flat top-k over the same n_keys² slots, with the real memory module: the pure
 * selection (query → slot ids on the module's own key table: select.ts' reference productSelect,
 * the fused op of src/model/ops/productSelect.ts, and flatSelect) and the module's whole read
 * (forward in 'eval': query network, selection, softmax, value gather) in each kernel mode.
 * One head, no query normalisation, d_in = v_dim = k_dim. Every variant runs interleaved in one
 * process, so the fused / reference ratio is taken repetition by repetition.
 */

type Log = (message: string) => void;

function lookupSpec(plan: LookupPlan, nKeys: number, keys: 'product' | 'flat'): MemorySpec {
  return {
    d_in: plan.kDim,
    heads: 1,
    n_keys: nKeys,
    k_dim: plan.kDim,
    v_dim: plan.kDim,
    knn: plan.knn,
    query_norm: 'none',
    mem_keys: keys,
    mem_plus: false,
    d_out: plan.kDim,
  };
}

interface Side {
  spec: MemorySpec;
  mem: PkmMemoryModule;
  keys: tf.Tensor;
}

async function makeSide(spec: MemorySpec): Promise<Side> {
  const mem = createMemory(spec, { seed: 7 });
  const keys = tf.tensor((await mem.readWeights()).keys, weightShapes(spec).keys, 'float32');
  return { spec, mem, keys };
}

function disposeSide(side: Side | null): void {
  side?.mem.dispose();
  side?.keys.dispose();
}

type SelectFn = (q: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec) => { slots: tf.Tensor };

/** The selection only: slot ids of the top-k, read back (the read-back is the end of the work). */
function selectVariant(name: string, side: Side, q: tf.Tensor2D, select?: SelectFn): Variant {
  select ??= side.spec.mem_keys === 'product' ? productSelect : flatSelect;
  return {
    name,
    run: async () => {
      const slots = tf.tidy(() => select(q, side.keys, side.spec).slots);
      try {
        await slots.data();
      } finally {
        slots.dispose();
      }
    },
  };
}

/**
 * The module's whole read in one kernel mode; waits for the output (which depends on every step
 * before it).
 */
function readVariant(name: string, side: Side, x: tf.Tensor2D, mode: 'fused' | 'reference'): Variant {
  return {
    name,
    run: () =>
      withKernelMode(mode, async () => {
        const read = side.mem.forward(x, 'eval');
        try {
          await read.output.data();
        } finally {
          tf.dispose([read.output, read.slots, read.scores, read.weights]);
        }
      }),
  };
}

/** Whether the fused selection has kernels on the active backend. */
function fusedRuns(): boolean {
  const previous = kernelMode();
  setKernelMode('fused');
  try {
    return fusedProductSelectAvailable();
  } finally {
    setKernelMode(previous);
  }
}

/** Why the module refuses flat keys at this size, or null when it accepts them. */
function flatRefusal(spec: MemorySpec): string | null {
  try {
    checkMemorySpec(spec);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export async function benchLookup(plan: LookupPlan, log: Log): Promise<LookupRow[]> {
  const rows: LookupRow[] = [];
  for (const nKeys of plan.nKeys) {
    const slots = nKeys * nKeys;
    const flatSpec = lookupSpec(plan, nKeys, 'flat');
    const refusal = flatRefusal(flatSpec);
    log(`lookup: n_keys ${nKeys} (${slots} slots), batch ${plan.batch}${refusal ? ', product only' : ''}`);
    let product: Side | null = null;
    let flat: Side | null = null;
    const [x, q] = tf.tidy(() => [
      tf.randomNormal([plan.batch, plan.kDim], 0, 1, 'float32', 11) as tf.Tensor2D,
      tf.randomNormal([plan.batch, plan.kDim], 0, 1, 'float32', 12) as tf.Tensor2D,
    ]);
    try {
      product = await makeSide(lookupSpec(plan, nKeys, 'product'));
      flat = refusal ? null : await makeSide(flatSpec);
      const fused = fusedRuns();
      const variants = [selectVariant('product', product, q)];
      if (fused) variants.push(selectVariant('fused', product, q, fusedProductTopK));
      if (plan.read) variants.push(readVariant('read_product', product, x, 'reference'));
      if (fused && plan.read) variants.push(readVariant('read_fused', product, x, 'fused'));
      if (flat) variants.push(selectVariant('flat', flat, q));
      if (flat && plan.read) variants.push(readVariant('read_flat', flat, x, 'reference'));
      const s = await timeInterleaved(variants, {
        warmup: plan.warmup,
        reps: plan.reps,
        onRep: (r) => log(`  repetition ${r}/${plan.reps}`),
      });
      const p = summarize(s.product);
      const row: LookupRow = {
        n_keys: nKeys,
        slots,
        batch: plan.batch,
        product_ms: round(p.median),
        product_spread: [round(p.p25), round(p.p75)],
      };
      if (plan.read) row.read_product_ms = round(summarize(s.read_product).median);
      if (fused) {
        const f = summarize(s.fused);
        const gain = pairedRatio(s.product, s.fused);
        Object.assign(row, {
          fused_ms: round(f.median),
          fused_spread: [round(f.p25), round(f.p75)],
          fused_over_reference: round(gain.median),
          fused_over_reference_spread: [round(gain.p25), round(gain.p75)],
        });
        if (plan.read) row.read_fused_ms = round(summarize(s.read_fused).median);
      }
      if (flat) {
        const f = summarize(s.flat);
        const speedup = pairedRatio(s.flat, s.product);
        Object.assign(row, {
          flat_ms: round(f.median),
          flat_spread: [round(f.p25), round(f.p75)],
          speedup: round(speedup.median),
          speedup_spread: [round(speedup.p25), round(speedup.p75)],
        });
        if (fused) {
          const fusedSpeedup = pairedRatio(s.flat, s.fused);
          row.fused_speedup = round(fusedSpeedup.median);
          row.fused_speedup_spread = [round(fusedSpeedup.p25), round(fusedSpeedup.p75)];
        }
        if (plan.read) {
          row.read_flat_ms = round(summarize(s.read_flat).median);
          row.read_speedup = round(pairedRatio(s.read_flat, s.read_product).median);
          if (fused) row.read_fused_speedup = round(pairedRatio(s.read_flat, s.read_fused).median);
        }
      } else {
        row.flat_skipped = refusal ?? undefined;
      }
      rows.push(row);
    } finally {
      disposeSide(product);
      disposeSide(flat);
      tf.dispose([x, q]);
    }
  }
  return rows;
}

import * as tf from '@tensorflow/tfjs';
import {
  checkMemorySpec,
  createMemory,
  type MemorySpec,
  type PkmMemoryModule,
  weightShapes,
} from '../../src/model/memory';
import { flatSelect, productSelect } from '../../src/model/memory/select';
import { timeInterleaved, type Variant } from '../lib/interleave';
import type { LookupPlan } from '../lib/plan';
import type { LookupRow } from '../lib/result';
import { pairedRatio, round, summarize } from '../lib/stats';

/**
 * Product-key vs flat top-k over the same n_keys² slots, with the real memory module: the pure
 * selection (select.ts' productSelect / flatSelect on the module's own key table: query → slot
 * ids) and the module's whole read (forward in 'eval': query network, selection, softmax, value
 * gather). One head, no query normalisation, d_in = v_dim = k_dim.
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

/** The selection only: slot ids of the top-k, read back (the read-back is the end of the work). */
function selectVariant(name: string, side: Side, q: tf.Tensor2D): Variant {
  const select = side.spec.mem_keys === 'product' ? productSelect : flatSelect;
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

/** The module's whole read; waits for the output (which depends on every step before it). */
function readVariant(name: string, side: Side, x: tf.Tensor2D): Variant {
  return {
    name,
    run: async () => {
      const read = side.mem.forward(x, 'eval');
      try {
        await read.output.data();
      } finally {
        tf.dispose([read.output, read.slots, read.scores, read.weights]);
      }
    },
  };
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
      const variants = [selectVariant('product', product, q)];
      if (plan.read) variants.push(readVariant('read_product', product, x));
      if (flat) variants.push(selectVariant('flat', flat, q));
      if (flat && plan.read) variants.push(readVariant('read_flat', flat, x));
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
      if (flat) {
        const f = summarize(s.flat);
        const speedup = pairedRatio(s.flat, s.product);
        Object.assign(row, {
          flat_ms: round(f.median),
          flat_spread: [round(f.p25), round(f.p75)],
          speedup: round(speedup.median),
          speedup_spread: [round(speedup.p25), round(speedup.p75)],
        });
        if (plan.read) {
          row.read_flat_ms = round(summarize(s.read_flat).median);
          row.read_speedup = round(pairedRatio(s.read_flat, s.read_product).median);
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

import { FIELD_SPECS, type ModelConfig } from '../../model/config';

export interface FieldInfo {
  field: keyof ModelConfig;
  label: string;
  help: string;
}

export interface FieldGroup {
  id: 'model' | 'memory' | 'optimiser' | 'data';
  title: string;
  fields: FieldInfo[];
}

/** Every config field, grouped as the lab's form shows them (FIELD_SPECS gives the ranges). */
export const FIELD_GROUPS: FieldGroup[] = [
  {
    id: 'model',
    title: 'Model',
    fields: [
      { field: 'd_model', label: 'Width', help: 'size of the residual stream' },
      { field: 'layers', label: 'Blocks', help: 'transformer blocks' },
      { field: 'attn_heads', label: 'Attention heads', help: 'must divide d_model' },
      { field: 'context', label: 'Context', help: 'bytes per training sequence' },
      { field: 'ffn_mult', label: 'FFN width ×', help: 'hidden size of dense blocks, × d_model' },
      {
        field: 'mem_layers',
        label: 'Memory blocks',
        help: 'block numbers, comma-separated; empty = baseline',
      },
    ],
  },
  {
    id: 'memory',
    title: 'Memory',
    fields: [
      { field: 'mem_keys', label: 'Keys', help: 'product: two sub-key sets; flat: n² full keys' },
      { field: 'n_keys', label: 'Sub-keys per half', help: 'per half; the memory has n² slots' },
      { field: 'knn', label: 'Slots read k', help: 'per head, at most min(n, 64)' },
      { field: 'heads', label: 'Memory heads', help: 'their reads are summed' },
      { field: 'k_dim', label: 'Query size', help: 'per head, even (split in halves)' },
      { field: 'v_dim', label: 'Value size', help: '0 = d_model' },
      { field: 'query_norm', label: 'Query norm', help: 'BatchNorm spreads queries over the keys' },
      { field: 'mem_plus', label: 'memory+', help: 'SiLU gate and projection (Berges et al. 2024)' },
      {
        field: 'mem_share_values',
        label: 'Shared values',
        help: 'one value table for all memory blocks (needs ≥ 2)',
      },
    ],
  },
  {
    id: 'optimiser',
    title: 'Optimiser',
    fields: [
      { field: 'batch', label: 'Batch', help: 'sequences per step' },
      { field: 'lr', label: 'Learning rate', help: 'peak, dense parameters (Adam)' },
      { field: 'value_lr', label: 'Value learning rate', help: 'constant, sparse Adam of the values' },
      { field: 'warmup', label: 'Warm-up steps', help: 'then inverse-sqrt decay' },
      { field: 'clip', label: 'Gradient clip', help: 'global norm; 0 = off' },
    ],
  },
  {
    id: 'data',
    title: 'Data & run',
    fields: [
      { field: 'corpus', label: 'Corpus', help: 'knowledge: generated facts' },
      { field: 'seed', label: 'Seed', help: 'weights and batches' },
      { field: 'backend', label: 'Backend', help: 'auto picks the fastest that works' },
    ],
  },
];

/**
 * The text a field shows in the form. Memory blocks are numbered from 1 as everywhere else in the
 * app ("block 3"); the config (and the link) keep 0-based indices.
 */
export function formatField(value: ModelConfig[keyof ModelConfig], field?: keyof ModelConfig): string {
  if (field === 'mem_layers' && Array.isArray(value)) return value.map((v) => v + 1).join(',');
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * Reads a field's text back into a value (validation happens on the whole config). Text that is
 * not a number stays text, so the message quotes what was typed rather than "null".
 */
export function parseField(field: keyof ModelConfig, raw: string): unknown {
  const spec = FIELD_SPECS[field];
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const text = raw.trim();
      const n = Number(text);
      return text === '' || Number.isNaN(n) ? text : n;
    }
    case 'bool':
      return raw === 'true';
    case 'int-list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => (/^\d+$/.test(s) ? Number(s) - (field === 'mem_layers' ? 1 : 0) : s));
    case 'choice':
      return raw;
  }
}

/** The form's message for a field: memory blocks in 1-based numbers, an empty value said in words. */
export function fieldMessage(field: keyof ModelConfig, message: string, raw: string, layers: number): string {
  if (field === 'mem_layers' && message.startsWith('mem_layers')) {
    return `memory blocks must be block numbers from 1 to ${layers}, each at most once (got “${raw.trim()}”)`;
  }
  return message.replace('(got "")', '(got nothing)');
}
